import { useMutation, useQueryClient } from '@tanstack/react-query';
import { SessionInfo } from '@paddock/contracts';
import type { SetupBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { signedIn } from '../session-cache';

/** Creates the first admin with the token from the setup link, and signs them in. */
export function completeSetup(body: SetupBody): Promise<SessionInfo> {
  // A 401 here means the setup link is not valid (any more); the page says so.
  return apiSend('POST', '/api/v1/auth/setup', body, SessionInfo, { unauthorizedIsAnswer: true });
}

export function useCompleteSetup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: completeSetup,
    onSuccess: (session) => signedIn(queryClient, session),
  });
}
