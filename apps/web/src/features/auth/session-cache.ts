/**
 * Signing in and out as cache writes. The session query is the only copy of the session; everything else cached
 * belonged to whoever was signed in before, so it is dropped rather than shown to the next person.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { SessionInfo } from '@paddock/contracts';
import { sessionKey } from './api/get-session';

function dropEverythingElse(queryClient: QueryClient) {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionKey[0] });
}

export function signedIn(queryClient: QueryClient, session: SessionInfo): void {
  dropEverythingElse(queryClient);
  queryClient.setQueryData(sessionKey, session);
}

export function signedOut(queryClient: QueryClient): void {
  dropEverythingElse(queryClient);
  queryClient.setQueryData(sessionKey, null);
}
