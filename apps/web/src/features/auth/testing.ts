import { SessionInfo } from '@paddock/contracts';
import type { CurrentUser, Role } from '@paddock/contracts';

export const TEST_CSRF_TOKEN = 'pdc_test-csrf-token';

/** A valid `SessionInfo` (checked against the contract): an admin unless told otherwise. */
export function aSession(user: Partial<CurrentUser> = {}): SessionInfo {
  return SessionInfo.parse({
    user: {
      id: '0190f1a2-0000-7000-8000-0000000000ad',
      email: 'ada@example.com',
      name: 'Ada Admin',
      role: 'admin',
      ...user,
    },
    csrfToken: TEST_CSRF_TOKEN,
    expiresAt: new Date(Date.now() + 12 * 3600_000).toISOString(),
    idleExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
  });
}

export function aSessionAs(role: Role): SessionInfo {
  return aSession({ role, email: `${role}@example.com`, name: `A ${role}` });
}

/** The API's answer to a request without a (valid) session. */
export const UNAUTHORIZED_PROBLEM = {
  type: 'urn:paddock:problem:unauthorized',
  title: 'Unauthorized',
  status: 401,
  code: 'unauthorized',
  detail: 'Sign in first.',
};
