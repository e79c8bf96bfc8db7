import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CreatedDisplayToken } from '@paddock/contracts';
import type { CreateDisplayTokenBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { displayTokensKey } from './get-display-tokens';

/** The answer carries the wall link with its token, once: the page keeps it in component state only. */
export function createDisplayToken(body: CreateDisplayTokenBody): Promise<CreatedDisplayToken> {
  return apiSend('POST', '/api/v1/display-tokens', body, CreatedDisplayToken);
}

export function useCreateDisplayToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createDisplayToken,
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: displayTokensKey }),
  });
}
