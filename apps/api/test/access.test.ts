/**
 * The roles matrix: every route of the app's route table, called by every kind of caller, is answered 401/403 by
 * the access layer exactly when its rule says so. The table is read from the app itself, so a new route is covered
 * the moment it exists, and a route without a rule stops the app from starting.
 */
import type { Role } from '@paddock/contracts';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { describe, expect, it } from 'vitest';
import authPlugin, { type Access, type RouteRule } from '../src/plugins/auth.js';
import { generateToken, hashToken, tokenPrefix } from '../src/lib/tokens.js';
import { createTestSession, createTestUser, type TestUser } from './support/auth.js';
import { testEnv, useTestApp } from './support/test-db.js';

const ctx = useTestApp();

type Caller =
  | { name: string; kind: 'anonymous' }
  | { name: string; kind: 'token'; role: Role; scope: 'read' | 'write' }
  | { name: string; kind: 'session'; role: Role }
  | { name: string; kind: 'display' };

const CALLERS: Caller[] = [
  { name: 'anonymous', kind: 'anonymous' },
  { name: 'display token', kind: 'display' },
  { name: 'viewer token', kind: 'token', role: 'viewer', scope: 'write' },
  { name: 'operator token', kind: 'token', role: 'operator', scope: 'write' },
  { name: 'admin token', kind: 'token', role: 'admin', scope: 'write' },
  { name: 'admin read-only token', kind: 'token', role: 'admin', scope: 'read' },
  { name: 'viewer session', kind: 'session', role: 'viewer' },
  { name: 'operator session', kind: 'session', role: 'operator' },
  { name: 'admin session', kind: 'session', role: 'admin' },
];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the access layer must answer: null when the caller gets through to the route. */
function expected(rule: RouteRule, caller: Caller): 401 | 403 | null {
  const safe = SAFE.has(rule.method);
  const access: Access = rule.access;
  if (access === 'public') return null;
  if (caller.kind === 'anonymous') return 401;
  if (caller.kind === 'display') return access === 'display' && safe ? null : 403;
  if (caller.kind === 'token' && caller.scope === 'read' && !safe) return 403;
  if (access === 'user' || access === 'display') return null;
  return RANK[caller.role] >= RANK[access] ? null : 403;
}

/**
 * Routes whose own handler answers 401/403 to some callers the access layer lets through, and why. Anything not
 * listed here that answers 401/403 to an allowed caller fails the matrix.
 */
const HANDLER_REFUSALS: Array<{ method: string; url: string; callers: RegExp; status: number; why: string }> =
  [
    {
      method: 'GET',
      url: '/api/v1/auth/session',
      callers: /token/,
      status: 403,
      why: 'only browser sessions have one',
    },
    {
      method: 'POST',
      url: '/api/v1/auth/password',
      callers: /token/,
      status: 401,
      why: 'a password is changed by its owner in a browser',
    },
  ];

const SAMPLE_ID = '01930000-0000-7000-8000-000000000000';

function concretePath(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => (/id$/i.test(name) ? SAMPLE_ID : 'sample'));
}

describe('roles matrix', () => {
  it('every route answers every caller as its rule says', async () => {
    const table = ctx.app.routeTable.filter((r) => !r.websocket && !r.url.startsWith('/api/v1/docs'));
    expect(table.length).toBeGreaterThan(40);

    const users = new Map<Role, TestUser>();
    for (const role of ['viewer', 'operator', 'admin'] as const)
      users.set(role, await createTestUser(ctx.db.prisma, role));
    const readOnly = await createTestUser(ctx.db.prisma, 'admin', { scope: 'read' });
    const display = generateToken('display');
    await ctx.db.prisma.displayToken.create({
      data: { name: 'matrix', tokenHash: hashToken(display), prefix: tokenPrefix(display) },
    });

    const headersFor = async (caller: Caller): Promise<Record<string, string | null>> => {
      switch (caller.kind) {
        case 'anonymous':
          return { authorization: null };
        case 'display':
          return { authorization: `Bearer ${display}` };
        case 'token':
          return {
            authorization: caller.scope === 'read' ? readOnly.bearer : users.get(caller.role)!.bearer,
          };
        case 'session': {
          // A fresh session per call: logout routes end the one they are called with.
          const s = await createTestSession(ctx.db.prisma, users.get(caller.role)!.id);
          return { authorization: null, cookie: s.cookie, 'x-csrf-token': s.csrf };
        }
      }
    };

    const failures: string[] = [];
    let checked = 0;
    for (const rule of table) {
      for (const caller of CALLERS) {
        const headers = await headersFor(caller);
        const safe = SAFE.has(rule.method);
        const res = await ctx.app.inject({
          method: rule.method as 'GET',
          url: concretePath(rule.url),
          headers: { ...(safe ? {} : { 'content-type': 'application/json' }), ...headers } as Record<
            string,
            string
          >,
          ...(safe ? {} : { payload: '{}' }),
        });
        checked++;
        const want = expected(rule, caller);
        const got = res.statusCode;
        const where = `${rule.method} ${rule.url} as ${caller.name} (rule ${rule.access})`;
        if (want !== null) {
          if (got !== want) failures.push(`${where}: expected ${want}, got ${got} ${res.body.slice(0, 200)}`);
          else if (!res.headers['content-type']?.toString().startsWith('application/problem+json'))
            failures.push(`${where}: refusal is not a problem document`);
        } else if (got === 401 || got === 403) {
          const known = HANDLER_REFUSALS.find(
            (h) =>
              h.method === rule.method &&
              h.url === rule.url &&
              h.callers.test(caller.name) &&
              h.status === got,
          );
          if (!known)
            failures.push(`${where}: expected to get through, got ${got} ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(table.length * CALLERS.length);
  });

  it('names an access rule for every route under /api and /live, and an audit rule for every change', () => {
    for (const rule of ctx.app.routeTable) {
      expect(rule.access, `${rule.method} ${rule.url}`).toBeTruthy();
      if (!SAFE.has(rule.method)) expect(rule.audit, `${rule.method} ${rule.url}`).not.toBeUndefined();
    }
    const live = ctx.app.routeTable.find((r) => r.url === '/live');
    expect(live).toMatchObject({ access: 'display', websocket: true });
  });

  it('keeps CORS closed: no cross-origin page may read or call the API', async () => {
    const preflight = await ctx.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/machines',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-csrf-token',
      },
    });
    const read = await ctx.app.inject({
      url: '/api/v1/machines',
      headers: { origin: 'https://evil.example' },
    });
    for (const res of [preflight, read]) {
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
    expect(read.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('refuses to start with a route that has no access rule, or a change without an audit rule', async () => {
    const fakeDb = fp(async (app) => void app.decorate('db', { prisma: {} } as never), { name: 'db' });
    const build = async (register: (app: ReturnType<typeof Fastify>) => void) => {
      const app = Fastify();
      await app.register(fakeDb);
      await app.register(authPlugin, { env: testEnv() });
      register(app);
      try {
        await app.ready();
      } finally {
        await app.close();
      }
    };
    await expect(build((app) => app.get('/api/v1/forgotten', async () => ({})))).rejects.toThrow(
      /GET \/api\/v1\/forgotten declares no access rule/,
    );
    await expect(
      build((app) => app.post('/api/v1/unrecorded', { config: { access: 'operator' } }, async () => ({}))),
    ).rejects.toThrow(/POST \/api\/v1\/unrecorded changes something but declares no audit rule/);
    await expect(
      build((app) => app.get('/api/v1/fine', { config: { access: 'viewer' } }, async () => ({}))),
    ).resolves.toBeUndefined();
  });
});
