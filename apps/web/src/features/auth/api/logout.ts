import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client';
import { signedOut } from '../session-cache';

/** Ends this browser's session; the API clears the cookie. */
export function logout(): Promise<void> {
  return apiSend('POST', '/api/v1/auth/logout', undefined, null, { unauthorizedIsAnswer: true });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSuccess: () => signedOut(queryClient),
  });
}
