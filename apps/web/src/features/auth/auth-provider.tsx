import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ReactNode } from 'react';
import type { SessionInfo } from '@paddock/contracts';
import { configureApiClient } from '../../lib/api-client';
import { sessionKey } from './api/get-session';

/**
 * Connects the API client to the session query: it reads the CSRF token from there for every change, and a 401
 * from any request refetches the session, which sends the person to the sign-in page if it really ended.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      configureApiClient({
        csrfToken: () => queryClient.getQueryData<SessionInfo | null>(sessionKey)?.csrfToken,
        onUnauthorized: () => void queryClient.invalidateQueries({ queryKey: sessionKey }),
      }),
    [queryClient],
  );
  return children;
}
