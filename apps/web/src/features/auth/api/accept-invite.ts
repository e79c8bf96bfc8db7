import { useMutation, useQueryClient } from '@tanstack/react-query';
import { SessionInfo } from '@paddock/contracts';
import type { AcceptInviteBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { signedIn } from '../session-cache';

/** An invited person chooses their password with the token from their link, and is signed in. */
export function acceptInvite(body: AcceptInviteBody): Promise<SessionInfo> {
  // A 401 here means the invitation link is unknown, used or expired; the page says so.
  return apiSend('POST', '/api/v1/auth/invite', body, SessionInfo, { unauthorizedIsAnswer: true });
}

export function useAcceptInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: acceptInvite,
    onSuccess: (session) => signedIn(queryClient, session),
  });
}
