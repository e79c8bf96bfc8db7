import { Link, Outlet } from '@tanstack/react-router';
import { ReadinessIndicator } from '../features/health/components/readiness-indicator';
import { LiveIndicator } from './live-indicator';

const NAV_ITEMS = [
  { to: '/', label: 'Overview', exact: true },
  { to: '/machines', label: 'Machines', exact: false },
  { to: '/runners', label: 'Runners', exact: false },
  { to: '/jobs', label: 'Jobs', exact: false },
  { to: '/gitlab', label: 'GitLab', exact: false },
] as const;

/** Header (with the live-updates status), navigation, the routed page and the API status line. Under ~720px the side nav becomes a top bar (CSS). */
export function AppLayout() {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          <svg viewBox="0 0 16 16" width="20" height="20" aria-hidden="true" focusable="false">
            <rect x="1" y="1" width="14" height="14" rx="3" fill="currentColor" />
            <path
              d="M4 12V4h4.5a2.5 2.5 0 0 1 0 5H4"
              fill="none"
              stroke="var(--brand-contrast)"
              strokeWidth="1.8"
            />
          </svg>
          <span>Paddock</span>
        </Link>
        <LiveIndicator />
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
