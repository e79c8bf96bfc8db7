import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client';
import { apiTokensKey } from './get-api-tokens';

/** Revokes one of your API tokens: scripts using it get 401 from their next request. */
export function revokeApiToken(id: string): Promise<void> {
  return apiSend('DELETE', `/api/v1/api-tokens/${encodeURIComponent(id)}`, undefined, null);
}

export function useRevokeApiToken(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => revokeApiToken(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiTokensKey }),
  });
}
