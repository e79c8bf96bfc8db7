import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CreatedEnrollmentToken } from '@paddock/contracts';
import type { CreateEnrollmentTokenBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { enrollmentTokensKey } from './get-enrollment-tokens';

/** The answer carries the token itself, once: the form keeps it in component state only, never in a cache. */
export function createEnrollmentToken(body: CreateEnrollmentTokenBody): Promise<CreatedEnrollmentToken> {
  return apiSend('POST', '/api/v1/enrollment-tokens', body, CreatedEnrollmentToken);
}

export function useCreateEnrollmentToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createEnrollmentToken,
    // The answer holds the secret; drop the finished mutation as soon as the form lets go of it.
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: enrollmentTokensKey }),
  });
}
