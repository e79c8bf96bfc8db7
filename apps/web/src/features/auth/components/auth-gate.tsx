import { useNavigate, useRouterState } from '@tanstack/react-router';
import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { stringifySearchParams } from '../../../lib/search-params';
import { useSession } from '../api/get-session';

/**
 * Shows its children only to a signed-in person. Without a session it sends the browser to the sign-in page,
 * carrying the current address in `?next=` so the person lands back where they were.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const session = useSession();
  // The page on screen (its match), not `location`, which already names the sign-in page while going there.
  const here = useRouterState({
    select: (state) => {
      const leaf = state.matches.at(-1);
      return leaf ? `${leaf.pathname}${stringifySearchParams(leaf.search as Record<string, unknown>)}` : '/';
    },
  });
  const navigate = useNavigate();
  const signedOut = session.data === null;

  useEffect(() => {
    if (signedOut)
      void navigate({ to: '/login', search: { next: here === '/' ? undefined : here }, replace: true });
  }, [signedOut, here, navigate]);

  if (session.data) return children;
  if (session.isError) {
    return (
      <main id="main" className="auth-pending">
        <h1 className="visually-hidden">Paddock</h1>
        <ErrorState
          title="Could not check your session"
          error={session.error}
          onRetry={() => void session.refetch()}
          retrying={session.isFetching}
        />
      </main>
    );
  }
  return (
    <div className="auth-pending">
      <LoadingState label={signedOut ? 'Going to the sign-in page…' : 'Checking your session…'} />
    </div>
  );
}
