import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client';
import { displayTokensKey } from './get-display-tokens';

/** Revokes a display token: wall screens open with it close at once. */
export function revokeDisplayToken(id: string): Promise<void> {
  return apiSend('DELETE', `/api/v1/display-tokens/${encodeURIComponent(id)}`, undefined, null);
}

export function useRevokeDisplayToken(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => revokeDisplayToken(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: displayTokensKey }),
  });
}
