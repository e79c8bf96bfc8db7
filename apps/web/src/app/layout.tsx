import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { AuthGate } from '../features/auth/components/auth-gate';
import { UserMenu } from '../features/auth/components/user-menu';
import { isSignInPath, isWallPath } from '../features/auth/public-paths';
import { ReadinessIndicator } from '../features/health/components/readiness-indicator';
import { AuthShell } from './auth-shell';
import { BrandMark } from './brand-mark';
import { LiveIndicator } from './live-indicator';

const NAV_ITEMS = [
  { to: '/', label: 'Overview', exact: true },
  { to: '/machines', label: 'Machines', exact: false },
  { to: '/runners', label: 'Runners', exact: false },
  { to: '/jobs', label: 'Jobs', exact: false },
  { to: '/gitlab', label: 'GitLab', exact: false },
  { to: '/settings', label: 'Settings', exact: false },
] as const;

/**
 * Picks the frame for the current address: the wall screen has none (it authenticates with its display token),
 * the sign-in pages have their own, and everything else needs a session and gets the app's.
 */
export function RootLayout() {
  // The rendered matches, not `location`: during a navigation the location already names the next page while the
  // outlet still shows the current one, which must not slip out of the gate for that moment.
  const pathname = useRouterState({ select: (state) => state.matches.at(-1)?.pathname ?? '/' });
  if (isWallPath(pathname)) return <Outlet />;
  if (isSignInPath(pathname)) {
    return (
      <AuthShell>
        <Outlet />
      </AuthShell>
    );
  }
  return (
    <AuthGate>
      <AppLayout />
    </AuthGate>
  );
}

/** Header (with the live-updates status and the account menu), navigation, the routed page and the API status line. Under ~720px the side nav becomes a top bar (CSS). */
export function AppLayout() {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          <BrandMark />
          <span>Paddock</span>
        </Link>
        <LiveIndicator />
        <UserMenu />
      </header>
      <nav className="app-nav" aria-label="Main">
        <ul>
          {NAV_ITEMS.map((item) => (
            <li key={item.to}>
              {/* Link marks the current section with aria-current="page"; search params do not change the section. */}
              <Link
                to={item.to}
                className="nav-link"
                activeOptions={{ exact: item.exact, includeSearch: false }}
              >
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="app-main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="app-footer">
        <ReadinessIndicator />
        <a href="/api/v1/docs" className="footer-link">
          API docs
        </a>
      </footer>
    </div>
  );
}
