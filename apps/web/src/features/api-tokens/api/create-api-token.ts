import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CreatedApiToken } from '@paddock/contracts';
import type { CreateApiTokenBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { apiTokensKey } from './get-api-tokens';

/** The answer carries the token itself, once: the page keeps it in component state only, never in a cache. */
export function createApiToken(body: CreateApiTokenBody): Promise<CreatedApiToken> {
  return apiSend('POST', '/api/v1/api-tokens', body, CreatedApiToken);
}

export function useCreateApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createApiToken,
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiTokensKey }),
  });
}
