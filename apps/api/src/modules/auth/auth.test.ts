/**
 * Signing in and staying signed in: login and its throttling, sessions (cookie, CSRF, Origin, idle and absolute
 * expiry, logout everywhere), the first admin's setup link, invitations, passwords, API tokens, people and roles,
 * display tokens, and the audit trail all of them leave.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp, type App } from '../../app.js';
import { createDatabase } from '../../db/client.js';
import { hashToken } from '../../lib/tokens.js';
import { pruneExpired } from '../../plugins/audit.js';
import { createTestSession, createTestUser, TEST_PASSWORD } from '../../../test/support/auth.js';
import { createTestDatabase, testEnv, useTestApp } from '../../../test/support/test-db.js';
import { authService, DEMO_EMAIL, throttleDelayMs } from './auth.service.js';

const ctx = useTestApp();
const anonymous = { authorization: null } as unknown as Record<string, string>;
let address = 0;
/** each test signs in from its own address, so per-address throttling of one test never meets another */
const fromNewAddress = () => `10.0.${Math.floor(++address / 250)}.${address % 250}`;

async function login(email: string, password: string, remoteAddress = fromNewAddress()) {
  return ctx.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: anonymous,
    remoteAddress,
    payload: { email, password },
  });
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = String(res.headers['set-cookie'] ?? '');
  return set.split(';')[0]!;
}

describe('login', () => {
  it('signs in with a scrypt-hashed password and sets an httpOnly, SameSite=Lax cookie', async () => {
    const user = await createTestUser(ctx.db.prisma, 'operator', { email: 'ola@example.test' });
    const res = await login('OLA@example.test ', TEST_PASSWORD);
    expect(res.statusCode).toBe(200);
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(/^paddock_session=pds_[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    expect(set).not.toContain('Secure');
    expect(res.json()).toMatchObject({
      user: { id: user.id, role: 'operator' },
      csrfToken: expect.stringMatching(/^pdc_/),
    });
    const row = await ctx.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(row.passwordHash).not.toContain(TEST_PASSWORD);
    const session = await ctx.app.inject({ url: '/api/v1/auth/session', headers: { cookie: cookieOf(res) } });
    expect(session.statusCode).toBe(200);
    expect(session.json().csrfToken).toBe(res.json().csrfToken);
    // The session is stored as a hash only.
    const token = cookieOf(res).split('=')[1]!;
    expect(await ctx.db.prisma.session.count({ where: { tokenHash: hashToken(token) } })).toBe(1);
  });

  it('marks the cookie Secure behind HTTPS', async () => {
    const app = await buildApp({
      env: testEnv({ PADDOCK_TRUST_PROXY: 'true' }),
      db: ctx.db,
      secrets: ctx.secrets,
      logger: false,
    });
    try {
      await createTestUser(ctx.db.prisma, 'viewer', { email: 'tls@example.test' });
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'x-forwarded-proto': 'https' },
        payload: { email: 'tls@example.test', password: TEST_PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
    } finally {
      await app.close();
    }
  });

  it('answers an unknown account exactly like a wrong password', async () => {
    await createTestUser(ctx.db.prisma, 'viewer', { email: 'known@example.test' });
    const wrong = await login('known@example.test', 'not the password at all');
    const unknown = await login('nobody@example.test', 'not the password at all');
    const disabled = await createTestUser(ctx.db.prisma, 'viewer', { email: 'gone@example.test' });
    await ctx.db.prisma.user.update({ where: { id: disabled.id }, data: { disabledAt: new Date() } });
    const off = await login('gone@example.test', TEST_PASSWORD);
    for (const res of [wrong, unknown, off]) {
      expect(res.statusCode).toBe(401);
      const { requestId: _r, ...body } = res.json();
      expect(body).toEqual({
        type: 'urn:paddock:problem:unauthorized',
        title: 'Unauthorized',
        status: 401,
        code: 'unauthorized',
        detail: 'Email or password is incorrect.',
      });
    }
  });

  it('throttles one account with growing delays, answered 429 with Retry-After, even for the right password', async () => {
    await createTestUser(ctx.db.prisma, 'viewer', { email: 'target@example.test' });
    for (let i = 0; i < 5; i++)
      expect((await login('target@example.test', 'guess ' + i)).statusCode).toBe(401);
    // The fifth failure set a delay: from any address, the account now waits.
    const locked = await login('target@example.test', TEST_PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(locked.json()).toMatchObject({ code: 'rate_limited' });
    expect(throttleDelayMs(5, 5)).toBe(1000);
    expect(throttleDelayMs(8, 5)).toBe(8000);
    expect(throttleDelayMs(100, 5)).toBe(15 * 60_000);
    // Once the delay has passed, the right password works and clears the account's count.
    await ctx.db.prisma.loginThrottle.update({
      where: { key: 'email:target@example.test' },
      data: { lockedUntil: new Date(Date.now() - 1) },
    });
    expect((await login('target@example.test', TEST_PASSWORD)).statusCode).toBe(200);
    expect(await ctx.db.prisma.loginThrottle.count({ where: { key: 'email:target@example.test' } })).toBe(0);
  });

  it('throttles one address trying many accounts', async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < 21; i++) await login(`spray-${i}@example.test`, 'password123456', ip);
    await createTestUser(ctx.db.prisma, 'viewer', { email: 'bystander@example.test' });
    const res = await login('bystander@example.test', TEST_PASSWORD, ip);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    // The same account from another address is not affected.
    expect((await login('bystander@example.test', TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('rejects malformed bodies with the field named', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: anonymous,
      payload: { email: 'a@b.c', password: '', extra: 1 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['body.password']),
    );
  });
});

describe('sessions', () => {
  let user: Awaited<ReturnType<typeof createTestUser>>;
  beforeAll(async () => {
    user = await createTestUser(ctx.db.prisma, 'operator', { email: 'sessions@example.test' });
  });

  const change = (headers: Record<string, string>) =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/v1/api-tokens',
      headers: { ...headers },
      payload: { name: `t-${Math.random()}`, scope: 'read' },
    });

  it('needs the CSRF token for changes, and a same-origin Origin when one is sent', async () => {
    const s = await createTestSession(ctx.db.prisma, user.id);
    expect((await change({ cookie: s.cookie })).statusCode).toBe(403);
    expect((await change({ cookie: s.cookie, 'x-csrf-token': 'pdc_wrong' })).statusCode).toBe(403);
    const other = await createTestSession(ctx.db.prisma, user.id);
    expect((await change({ cookie: s.cookie, 'x-csrf-token': other.csrf })).statusCode).toBe(403);
    expect((await change({ cookie: s.cookie, 'x-csrf-token': s.csrf })).statusCode).toBe(201);
    const evil = await change({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'https://evil.example' });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().detail).toMatch(/Origin/);
    const same = await change({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'http://localhost:80' });
    expect(same.statusCode).toBe(201);
    // Reads need no CSRF token.
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: s.cookie } })).statusCode,
    ).toBe(200);
  });

  it('ends after the idle time and after the absolute lifetime', async () => {
    const idle = await createTestSession(ctx.db.prisma, user.id);
    await ctx.db.prisma.session.update({
      where: { tokenHash: hashToken(idle.token) },
      data: { lastSeenAt: new Date(Date.now() - (ctx.env.PADDOCK_SESSION_IDLE_MINUTES + 1) * 60_000) },
    });
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: idle.cookie } })).statusCode,
    ).toBe(401);
    expect(await ctx.db.prisma.session.count({ where: { tokenHash: hashToken(idle.token) } })).toBe(0);

    const old = await createTestSession(ctx.db.prisma, user.id);
    await ctx.db.prisma.session.update({
      where: { tokenHash: hashToken(old.token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: old.cookie } })).statusCode,
    ).toBe(401);
  });

  it('logs out here, or everywhere', async () => {
    const a = await createTestSession(ctx.db.prisma, user.id);
    const b = await createTestSession(ctx.db.prisma, user.id);
    const out = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: a.cookie, 'x-csrf-token': a.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^paddock_session=; .*Max-Age=0/);
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: a.cookie } })).statusCode,
    ).toBe(401);
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: b.cookie } })).statusCode,
    ).toBe(200);

    const c = await createTestSession(ctx.db.prisma, user.id);
    const everywhere = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout-everywhere',
      headers: { cookie: c.cookie, 'x-csrf-token': c.csrf },
    });
    expect(everywhere.statusCode).toBe(200);
    expect(everywhere.json().sessionsEnded).toBeGreaterThanOrEqual(2);
    for (const s of [b, c])
      expect(
        (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: s.cookie } })).statusCode,
      ).toBe(401);
  });

  it('changes a password, ending the other sessions', async () => {
    const me = await createTestUser(ctx.db.prisma, 'viewer', { email: 'changer@example.test' });
    const here = await createTestSession(ctx.db.prisma, me.id);
    const elsewhere = await createTestSession(ctx.db.prisma, me.id);
    const wrong = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { cookie: here.cookie, 'x-csrf-token': here.csrf },
      payload: { currentPassword: 'not it at all', newPassword: 'a much better passphrase' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0].path).toBe('body.currentPassword');
    const ok = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { cookie: here.cookie, 'x-csrf-token': here.csrf },
      payload: { currentPassword: TEST_PASSWORD, newPassword: 'a much better passphrase' },
    });
    expect(ok.statusCode).toBe(204);
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: here.cookie } })).statusCode,
    ).toBe(200);
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: elsewhere.cookie } })).statusCode,
    ).toBe(401);
    expect((await login('changer@example.test', 'a much better passphrase')).statusCode).toBe(200);
  });
});

describe('first admin', () => {
  it('is still to be created while only the demo account exists, and a setup link works once', async () => {
    const database = await createTestDatabase();
    const db = createDatabase({ connectionString: database.url, maxConnections: 2 });
    try {
      const auth = authService({ prisma: db.prisma, sessions: { idleMinutes: 60, maxHours: 24 } });
      await db.prisma.user.create({ data: { email: DEMO_EMAIL, role: 'admin' } });
      const link = await auth.createSetupToken();
      expect(link).not.toBeNull();
      expect(link!.expiresAt.getTime() - Date.now()).toBeGreaterThan(29 * 60_000);
      expect(link!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(30 * 60_000);
      expect(await auth.setupNeeded()).toBe(true);
      const client = { ip: '127.0.0.1', userAgent: undefined };
      const body = { token: link!.token, email: 'first@example.test', password: 'first admin password' };
      const session = await auth.completeSetup(body, client);
      expect(session.info.user).toMatchObject({ email: 'first@example.test', role: 'admin' });
      await expect(auth.completeSetup({ ...body, email: 'second@example.test' }, client)).rejects.toThrow(
        /not valid/,
      );
      expect(await auth.setupNeeded()).toBe(false);
      expect(await auth.createSetupToken()).toBeNull();
      // An expired link is refused like a used one.
      await db.prisma.user.deleteMany({ where: { email: 'first@example.test' } });
      const late = await auth.createSetupToken();
      await db.prisma.setupToken.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
      await expect(auth.completeSetup({ ...body, token: late!.token }, client)).rejects.toThrow(/30 minutes/);
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it('is created once through the one-time setup link, which expires after 30 minutes', async () => {
    // On an empty database only: this file's database has users, so the service is asked directly for the rules.
    const auth = authService({ prisma: ctx.db.prisma, sessions: { idleMinutes: 60, maxHours: 24 } });
    expect(await auth.createSetupToken()).toBeNull();
    expect((await ctx.app.inject({ url: '/api/v1/auth/setup', headers: anonymous })).json()).toEqual({
      needed: false,
    });
    const refused = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      headers: anonymous,
      payload: {
        token: 'pdx_' + 'a'.repeat(43),
        email: 'root@example.test',
        password: 'long enough password',
      },
    });
    expect(refused.statusCode).toBe(401);
    expect(await ctx.db.prisma.user.count({ where: { email: 'root@example.test' } })).toBe(0);
  });
});

describe('invitations and people', () => {
  it('invites a person, who chooses a password once', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'New.Person@Example.test', role: 'viewer' },
    });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ email: 'new.person@example.test', role: 'viewer', hasPassword: false });
    const token = new URLSearchParams(created.invitePath.split('#')[1]).get('token')!;
    expect(token).toMatch(/^pdi_/);
    const list = await ctx.app.inject('/api/v1/users');
    expect(list.body).not.toContain(token);
    const accept = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/invite',
      headers: anonymous,
      payload: { token, password: 'my own good password' },
    });
    expect(accept.statusCode).toBe(200);
    expect(accept.json().user.email).toBe('new.person@example.test');
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/invite',
      headers: anonymous,
      payload: { token, password: 'another good password' },
    });
    expect(again.statusCode).toBe(401);
    expect((await login('new.person@example.test', 'my own good password')).statusCode).toBe(200);
  });

  it('changes roles, disables people at once, and keeps one admin', async () => {
    const op = await createTestUser(ctx.db.prisma, 'operator');
    const s = await createTestSession(ctx.db.prisma, op.id);
    const promote = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${op.id}`,
      payload: { role: 'viewer' },
    });
    expect(promote.json()).toMatchObject({ role: 'viewer' });
    // The new role applies to the very next request of the same token.
    const asViewer = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/machines/01930000-0000-7000-8000-000000000000`,
      headers: { authorization: op.bearer },
      payload: { labels: {} },
    });
    expect(asViewer.statusCode).toBe(403);
    const disable = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${op.id}`,
      payload: { disabled: true },
    });
    expect(disable.json()).toMatchObject({ disabled: true });
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { cookie: s.cookie } })).statusCode,
    ).toBe(401);
    expect(
      (await ctx.app.inject({ url: '/api/v1/machines', headers: { authorization: op.bearer } })).statusCode,
    ).toBe(401);

    // Every other admin demoted: the last one cannot be.
    const admins = await ctx.db.prisma.user.findMany({ where: { role: 'admin', disabledAt: null } });
    for (const a of admins.filter((a) => a.id !== ctx.admin.id))
      await ctx.db.prisma.user.update({ where: { id: a.id }, data: { role: 'operator' } });
    const last = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${ctx.admin.id}`,
      payload: { role: 'viewer' },
    });
    expect(last.statusCode).toBe(409);
    expect(last.json().detail).toMatch(/at least one enabled admin/);
  });

  it('refuses a second account with the same email', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: ctx.admin.email, role: 'viewer' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors[0].path).toBe('body.email');
  });
});

describe('API tokens', () => {
  it('are shown once, stored hashed, scoped, expire and can be revoked', async () => {
    const owner = await createTestUser(ctx.db.prisma, 'operator');
    const as = { authorization: owner.bearer };
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/api-tokens',
      headers: as,
      payload: { name: 'ci read', scope: 'read', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(created.statusCode).toBe(201);
    const { token, id, prefix } = created.json();
    expect(token).toMatch(/^pdt_/);
    expect(token.startsWith(prefix)).toBe(true);
    const row = await ctx.db.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.tokenHash).toBe(hashToken(token));
    const list = await ctx.app.inject({ url: '/api/v1/api-tokens', headers: as });
    expect(list.body).not.toContain(token);
    expect(list.json().items.map((t: { name: string }) => t.name)).toContain('ci read');

    const read = { authorization: `Bearer ${token}` };
    expect((await ctx.app.inject({ url: '/api/v1/machines', headers: read })).statusCode).toBe(200);
    const write = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/api-tokens',
      headers: read,
      payload: { name: 'x', scope: 'write' },
    });
    expect(write.statusCode).toBe(403);
    expect(write.json().detail).toMatch(/may only read/);
    expect((await ctx.db.prisma.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt).not.toBeNull();

    // Someone else's token cannot be revoked by this owner.
    const other = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/api-tokens/${id}` });
    expect(other.statusCode).toBe(404);
    expect(
      (await ctx.app.inject({ method: 'DELETE', url: `/api/v1/api-tokens/${id}`, headers: as })).statusCode,
    ).toBe(204);
    expect((await ctx.app.inject({ url: '/api/v1/machines', headers: read })).statusCode).toBe(401);

    const expiring = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/api-tokens',
      headers: as,
      payload: { name: 'short', scope: 'write', expiresAt: new Date(Date.now() + 60_000).toISOString() },
    });
    await ctx.db.prisma.apiToken.update({
      where: { id: expiring.json().id },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    const expired = await ctx.app.inject({
      url: '/api/v1/machines',
      headers: { authorization: `Bearer ${expiring.json().token}` },
    });
    expect(expired.statusCode).toBe(401);
    const past = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/api-tokens',
      headers: as,
      payload: { name: 'past', scope: 'write', expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(past.statusCode).toBe(400);
  });
});

describe('display tokens', () => {
  let app: App;
  let port: number;
  beforeAll(async () => {
    app = await buildApp({ env: testEnv(), db: ctx.db, secrets: ctx.secrets, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  it('read the fleet summary only, show their last use, and close open screens when revoked', async () => {
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/display-tokens',
      payload: { name: 'lobby' },
    });
    expect(created.statusCode).toBe(201);
    const { token, id, wallPath } = created.json();
    expect(wallPath).toBe(`/wall?display=${token}`);
    const summary = await ctx.app.inject({
      url: `/api/v1/wall/summary?display=${token}`,
      headers: anonymous,
    });
    expect(summary.statusCode).toBe(200);
    expect(summary.json()).toMatchObject({
      machines: { total: expect.any(Number) },
      jobs: { running: expect.any(Number) },
    });
    for (const url of ['/api/v1/runners', '/api/v1/jobs', '/api/v1/audit-events', '/api/v1/users'])
      expect((await ctx.app.inject({ url: `${url}?display=${token}`, headers: anonymous })).statusCode).toBe(
        403,
      );
    const listed = (await ctx.app.inject('/api/v1/display-tokens'))
      .json()
      .items.find((t: { id: string }) => t.id === id);
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(token);

    // A wall screen on /live: it may watch the fleet, not a job's log.
    const socket = new WebSocket(`ws://127.0.0.1:${port}/live?display=${token}`);
    const messages: Array<{ type: string; message?: string }> = [];
    socket.on('message', (d) => messages.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'subscribe', topic: 'machines' }));
    socket.send(JSON.stringify({ type: 'subscribe', topic: 'trace:01930000-0000-7000-8000-000000000000' }));
    await expect.poll(() => messages.map((m) => m.type)).toEqual(['ready', 'subscribed', 'error']);
    expect(messages[2]!.message).toMatch(/display token may only subscribe/);

    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/v1/display-tokens/${id}`,
      headers: { authorization: ctx.admin.bearer },
    });
    expect(revoked.statusCode).toBe(204);
    expect(await closed).toEqual({ code: 4401, reason: 'display token revoked' });
    expect(
      (await ctx.app.inject({ url: `/api/v1/wall/summary?display=${token}`, headers: anonymous })).statusCode,
    ).toBe(401);
    await expect(
      new Promise((resolve, reject) => {
        const again = new WebSocket(`ws://127.0.0.1:${port}/live?display=${token}`);
        again.once('open', () => {
          again.close();
          resolve('open');
        });
        again.once('unexpected-response', (req, res) => {
          req.destroy();
          reject(new Error(String(res.statusCode)));
        });
        again.once('error', reject);
      }),
    ).rejects.toThrow('401');
  });

  it('refuses a /live upgrade from another origin', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, {
          headers: { authorization: ctx.admin.bearer, origin: 'https://evil.example' },
        });
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (req, res) => {
          req.destroy();
          reject(new Error(String(res.statusCode)));
        });
        ws.once('error', reject);
      }),
    ).rejects.toThrow('403');
  });
});

describe('audit log', () => {
  it('records who changed what, from where, before and after, without secrets', async () => {
    const op = await createTestUser(ctx.db.prisma, 'admin', { email: 'auditor@example.test' });
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/display-tokens',
      headers: { authorization: op.bearer, 'x-request-id': 'audit-trace-1' },
      remoteAddress: '198.51.100.9',
      payload: { name: 'audited' },
    });
    expect(res.statusCode).toBe(201);
    const page = await ctx.app.inject({
      url: '/api/v1/audit-events?action=display_token.create&actor=auditor@',
    });
    expect(page.statusCode).toBe(200);
    const [event] = page.json().items;
    expect(event).toMatchObject({
      actorType: 'api_token',
      actorLabel: 'auditor@example.test (tests)',
      sourceIp: '198.51.100.9',
      requestId: 'audit-trace-1',
      action: 'display_token.create',
      targetType: 'display_token',
      targetId: res.json().id,
    });
    expect(JSON.stringify(event)).not.toContain(res.json().token);
    expect(event.after).toMatchObject({ name: 'audited', active: true });
    expect(event.after).not.toHaveProperty('token');

    const update = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${op.id}`,
      payload: { name: 'Audrey' },
    });
    expect(update.statusCode).toBe(200);
    const changed = (await ctx.app.inject(`/api/v1/audit-events?targetType=user&targetId=${op.id}`)).json()
      .items[0];
    expect(changed).toMatchObject({
      action: 'user.update',
      before: { name: null },
      after: { name: 'Audrey' },
    });

    const logins = await ctx.app.inject('/api/v1/audit-events?action=session.');
    expect(logins.json().items.length).toBeGreaterThan(0);
    expect(logins.body).not.toContain(TEST_PASSWORD);

    const paged = await ctx.app.inject('/api/v1/audit-events?limit=2');
    expect(paged.json().items).toHaveLength(2);
    const next = await ctx.app.inject(`/api/v1/audit-events?limit=2&cursor=${paged.json().nextCursor}`);
    expect(next.json().items[0].id).not.toBe(paged.json().items[1].id);
    expect((await ctx.app.inject('/api/v1/audit-events?cursor=nonsense')).statusCode).toBe(400);
    expect((await ctx.app.inject('/api/v1/audit-events?action=DROP TABLE')).statusCode).toBe(400);
    // Viewers may not read it.
    const viewer = await createTestUser(ctx.db.prisma, 'viewer');
    expect(
      (await ctx.app.inject({ url: '/api/v1/audit-events', headers: { authorization: viewer.bearer } }))
        .statusCode,
    ).toBe(403);
  });

  it('deletes events older than the retention', async () => {
    const old = await ctx.db.prisma.auditEvent.create({
      data: {
        actorType: 'system',
        action: 'test.old',
        targetType: 'test',
        at: new Date(Date.now() - 400 * 86_400_000),
      },
    });
    const recent = await ctx.db.prisma.auditEvent.create({
      data: {
        actorType: 'system',
        action: 'test.recent',
        targetType: 'test',
        at: new Date(Date.now() - 10 * 86_400_000),
      },
    });
    const { auditEvents } = await pruneExpired(ctx.db.prisma, {
      retentionDays: 365,
      sessionIdleMinutes: 720,
    });
    expect(auditEvents).toBeGreaterThanOrEqual(1);
    expect(await ctx.db.prisma.auditEvent.count({ where: { id: old.id } })).toBe(0);
    expect(await ctx.db.prisma.auditEvent.count({ where: { id: recent.id } })).toBe(1);
    await pruneExpired(ctx.db.prisma, { retentionDays: 0, sessionIdleMinutes: 720 });
    expect(await ctx.db.prisma.auditEvent.count({ where: { id: recent.id } })).toBe(1);
  });
});
