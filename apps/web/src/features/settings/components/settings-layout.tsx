import { Link, Outlet } from '@tanstack/react-router';
import type { Role } from '@paddock/contracts';
import { useCurrentUser } from '../../auth/api/get-session';
import { roleAllows } from '../../auth/roles';

/** Settings pages, each with the least role that can use it; the others are not offered. */
export const SETTINGS_PAGES = [
  { to: '/settings/account', label: 'Your account', role: 'viewer' },
  { to: '/settings/api-tokens', label: 'API tokens', role: 'viewer' },
  { to: '/settings/users', label: 'Users', role: 'admin' },
  { to: '/settings/enrollment-tokens', label: 'Enrollment tokens', role: 'admin' },
  { to: '/settings/display-tokens', label: 'Display tokens', role: 'admin' },
  { to: '/settings/audit', label: 'Audit log', role: 'operator' },
] as const satisfies readonly { to: string; label: string; role: Role }[];

/** The settings section: its own navigation beside the page. */
export function SettingsLayout() {
  const user = useCurrentUser();
  const pages = SETTINGS_PAGES.filter((page) => user && roleAllows(user.role, page.role));
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings">
        <ul>
          {pages.map((page) => (
            <li key={page.to}>
              <Link to={page.to} className="nav-link" activeOptions={{ includeSearch: false }}>
                {page.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="settings-page">
        <Outlet />
      </div>
    </div>
  );
}
