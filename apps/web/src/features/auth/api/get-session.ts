import { queryOptions, useQuery } from '@tanstack/react-query';
import { SessionInfo } from '@paddock/contracts';
import type { CurrentUser } from '@paddock/contracts';
import { apiGet, isApiError } from '../../../lib/api-client';

/** The one place the signed-in person and the CSRF token live; `null` means signed out. */
export const sessionKey = ['auth', 'session'] as const;

/** The current browser session, or null when there is none (the API answers 401). */
export async function getSession(signal?: AbortSignal): Promise<SessionInfo | null> {
  try {
    return await apiGet('/api/v1/auth/session', SessionInfo, { signal, unauthorizedIsAnswer: true });
  } catch (error) {
    if (isApiError(error) && error.status === 401) return null;
    throw error;
  }
}

export const sessionQueryOptions = () =>
  queryOptions({
    queryKey: sessionKey,
    queryFn: ({ signal }) => getSession(signal),
    // Changes only by signing in or out (both write the cache) or by expiring (a 401 from any request refetches).
    staleTime: 5 * 60_000,
  });

export function useSession() {
  return useQuery(sessionQueryOptions());
}

/** The signed-in person; null before the session is known or when signed out (the auth gate rules both out). */
export function useCurrentUser(): CurrentUser | null {
  return useSession().data?.user ?? null;
}
