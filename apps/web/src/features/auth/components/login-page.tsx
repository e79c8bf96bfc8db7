import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useEffect } from 'react';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useSession } from '../api/get-session';
import { useSetupStatus } from '../api/get-setup-status';
import { safeNextPath } from '../next-path';
import { LoginForm } from './login-form';

const routeApi = getRouteApi('/login');

/** `/login?next=/machines`: signs in, then goes to `next` (a path on this site) or the overview. */
export function LoginPage() {
  useDocumentTitle('Sign in');
  const { next } = routeApi.useSearch();
  const navigate = useNavigate();
  const session = useSession();
  const setup = useSetupStatus();
  const destination = safeNextPath(next);

  const signedIn = Boolean(session.data);
  // Already signed in (another tab, or Back after signing in): nothing to do here.
  useEffect(() => {
    if (signedIn) void navigate({ href: destination, replace: true });
  }, [signedIn, destination, navigate]);
  if (signedIn) return null;

  return (
    <div className="auth-card">
      <h1>Sign in to Paddock</h1>
      {next && destination !== '/' ? (
        <p className="muted">Sign in to continue to the page you asked for.</p>
      ) : null}
      {setup.data?.needed ? (
        <div className="notice">
          <p>
            Paddock has no admin yet. Open the one-time setup link the server printed in its log when it
            started (<code>/setup?token=…</code>) to create the first one.
          </p>
        </div>
      ) : null}
      {/* Signing in fills the session query, and the effect above leaves for `next`. */}
      <LoginForm />
      <p className="small muted">
        No account yet, or forgot your password? Ask an admin of this Paddock for a link to choose one.
      </p>
    </div>
  );
}
