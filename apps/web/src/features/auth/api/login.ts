import { useMutation, useQueryClient } from '@tanstack/react-query';
import { SessionInfo } from '@paddock/contracts';
import type { LoginBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { signedIn } from '../session-cache';

/** Signs in: the API sets the httpOnly session cookie and answers with the session (and its CSRF token). */
export function login(body: LoginBody): Promise<SessionInfo> {
  // A 401 here is a wrong email or password, shown on the form; no session was lost.
  return apiSend('POST', '/api/v1/auth/login', body, SessionInfo, { unauthorizedIsAnswer: true });
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (session) => signedIn(queryClient, session),
  });
}
