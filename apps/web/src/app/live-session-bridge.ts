/**
 * Keeps `/live` in step with the session: the socket authenticates with the session cookie at the upgrade, so a
 * new sign-in reconnects at once (instead of waiting out the backoff of the refused attempts), and signing out
 * closes it.
 */
import { hashKey } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import type { SessionInfo } from '@paddock/contracts';
import { sessionKey } from '../features/auth/api/get-session';
import type { LiveConnection } from '../lib/live/live-connection';

/** Starts following the session query; returns the function that stops it. */
export function connectLiveToSession(live: LiveConnection, queryClient: QueryClient): () => void {
  const userOf = (data: SessionInfo | null | undefined) =>
    data === undefined ? undefined : (data?.user.id ?? null);
  let last = userOf(queryClient.getQueryData<SessionInfo | null>(sessionKey));
  return queryClient.getQueryCache().subscribe((event) => {
    if (event.type !== 'updated' || event.query.queryHash !== hashKey(sessionKey)) return;
    const current = userOf(event.query.state.data as SessionInfo | null | undefined);
    if (current === undefined || current === last) return;
    const previous = last;
    last = current;
    if (current === null) {
      live.stop();
    } else if (previous !== undefined) {
      // Someone signed in (or another person did): the open socket, if any, belongs to the old cookie.
      live.stop();
      live.start();
    }
  });
}
