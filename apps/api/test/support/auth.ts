/**
 * Credentials for tests: people of each role with API tokens or browser sessions, made directly in the database
 * (the login route itself has its own tests), and a client for real servers that signs in like a script would.
 */
import type { Role } from '@paddock/contracts';
import type { App } from '../../src/app.js';
import type { PrismaClient } from '../../src/db/client.js';
import { csrfTokenFor } from '../../src/modules/auth/auth.service.js';
import { hashPassword } from '../../src/lib/passwords.js';
import { generateToken, hashToken, tokenPrefix } from '../../src/lib/tokens.js';

export const TEST_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  /** `Authorization` header value of a write API token */
  bearer: string;
}

export async function createTestUser(
  prisma: PrismaClient,
  role: Role,
  opts: { email?: string; scope?: 'read' | 'write' } = {},
): Promise<TestUser> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const email = opts.email ?? `${role}-${Math.random().toString(36).slice(2, 10)}@example.test`;
  const user = await prisma.user.create({ data: { email, role, passwordHash: await passwordHash } });
  const token = generateToken('api');
  await prisma.apiToken.create({
    data: {
      userId: user.id,
      name: 'tests',
      tokenHash: hashToken(token),
      prefix: tokenPrefix(token),
      scope: opts.scope ?? 'write',
    },
  });
  return { id: user.id, email, role, bearer: `Bearer ${token}` };
}

/** A browser session for a user: the cookie header and the CSRF token changes need. */
export async function createTestSession(
  prisma: PrismaClient,
  userId: string,
): Promise<{ cookie: string; csrf: string; token: string }> {
  const token = generateToken('session');
  const csrf = csrfTokenFor(token);
  await prisma.session.create({
    data: {
      tokenHash: hashToken(token),
      userId,
      csrfHash: hashToken(csrf),
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });
  return { cookie: `paddock_session=${token}`, csrf, token };
}

/**
 * Makes `app.inject` send `bearer` unless a request sets its own `authorization` (or `cookie`), so tests written
 * for one role read as before; tests about access send their own credentials.
 */
export function authenticateInjects(app: App, bearer: string): void {
  const original = app.inject.bind(app) as (opts?: unknown) => unknown;
  (app as unknown as { inject: (opts?: unknown) => unknown }).inject = (opts?: unknown) => {
    if (opts === undefined) return original();
    const o: { url?: string; headers?: Record<string, unknown> } =
      typeof opts === 'string' ? { url: opts } : (opts as { headers?: Record<string, unknown> });
    const headers = { ...(o.headers ?? {}) };
    if (headers.authorization === undefined && headers.cookie === undefined) headers.authorization = bearer;
    else if (headers.authorization === null) delete headers.authorization;
    return original({ ...o, headers });
  };
}

/** Signs in to a running Paddock with a password and returns a write API token made through the API. */
export async function apiTokenFor(baseUrl: string, email: string, password: string): Promise<string> {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const created = await fetch(`${baseUrl}/api/v1/api-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: `tests ${Date.now()}-${Math.random()}`, scope: 'write' }),
  });
  if (created.status !== 201)
    throw new Error(`token creation answered ${created.status}: ${await created.text()}`);
  return ((await created.json()) as { token: string }).token;
}
