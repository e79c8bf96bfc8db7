import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client';
import { enrollmentTokensKey } from './get-enrollment-tokens';

/** Revokes a token: no new enrollments with it. Machines it already enrolled keep their own credentials. */
export function revokeEnrollmentToken(id: string): Promise<void> {
  return apiSend('DELETE', `/api/v1/enrollment-tokens/${encodeURIComponent(id)}`, undefined, null);
}

export function useRevokeEnrollmentToken(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => revokeEnrollmentToken(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: enrollmentTokensKey }),
  });
}
