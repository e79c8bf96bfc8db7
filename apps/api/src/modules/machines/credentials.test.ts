/**
 * `/api/v1/machines/:id/credentials` against a listening app with real agent sockets: admins list a machine's
 * credentials (never a hash) and revoke them; the connected agent is closed at once, its reconnections are
 * refused, the machine stays and can enroll again. Other roles are refused and change nothing.
 */
import { PROTOCOL_VERSION, CLOSE, encodeMessage, parseServerMessage } from '@paddock/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestUser, type TestUser } from '../../../test/support/auth.js';
import { factories } from '../../../test/support/factories.js';
import { useTestApp } from '../../../test/support/test-db.js';
import { generateToken, hashToken } from '../../lib/tokens.js';

const ctx = useTestApp();
let base: string;
let admin: TestUser;
let operator: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  base = (await ctx.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  admin = ctx.admin;
  operator = await createTestUser(ctx.db.prisma, 'operator');
  viewer = await createTestUser(ctx.db.prisma, 'viewer');
});

let seq = 0;

/** A machine with one live credential, written directly (enrollment has its own tests). */
async function machineWithCredential() {
  const f = factories(ctx.db, ctx.secrets);
  const systemId = `s_cred${String(++seq).padStart(8, '0')}`;
  const machine = await f.machine({ systemId, hostname: `cred-${seq}` });
  const credential = generateToken('agent');
  const row = await ctx.db.prisma.agentCredential.create({
    data: { machineId: machine.id, tokenHash: hashToken(credential) },
  });
  return { machineId: machine.id, systemId, credential, credentialId: row.id };
}

/** Opens `/agent`; rejects with `HTTP <status>` when the upgrade is refused. */
function connect(credential: string): Promise<WebSocket> {
  const ws = new WebSocket(`${base}/agent`, { headers: { authorization: `Bearer ${credential}` } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Connects and completes the hello handshake. */
async function connectedAgent(credential: string, systemId: string) {
  const ws = await connect(credential);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const welcomed = new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      const parsed = parseServerMessage(data.toString());
      if (parsed.ok && parsed.message.type === 'welcome') resolve();
    }),
  );
  ws.send(
    encodeMessage({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      agentVersion: '0.1.0',
      systemId,
      hostname: 'cred-host',
      os: 'linux',
      arch: 'x64',
      runnerVersion: '19.4.0',
      applied: null,
      diskSha256: null,
    }),
  );
  await welcomed;
  return { ws, closed };
}

/** `app.inject` sends the admin's token unless told otherwise; a null authorization sends none. */
const NO_CREDENTIALS = { authorization: null } as unknown as Record<string, string>;

const url = (machineId: string) => `/api/v1/machines/${machineId}/credentials`;

describe('GET /machines/:id/credentials', () => {
  it('lists the machine’s credentials, newest first, without their hashes', async () => {
    const m = await machineWithCredential();
    const older = await ctx.db.prisma.agentCredential.create({
      data: {
        machineId: m.machineId,
        tokenHash: hashToken(generateToken('agent')),
        createdAt: new Date(Date.now() - 86_400_000),
        revokedAt: new Date(Date.now() - 3_600_000),
      },
    });
    const res = await ctx.app.inject({ url: url(m.machineId), headers: { authorization: admin.bearer } });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as Array<Record<string, unknown>>;
    expect(items.map((c) => c.id)).toEqual([m.credentialId, older.id]);
    expect(items[0]).toEqual({
      id: m.credentialId,
      machineId: m.machineId,
      enrollmentTokenId: null,
      lastUsedAt: null,
      revokedAt: null,
      createdAt: expect.any(String),
    });
    expect(items[1]!.revokedAt).toEqual(expect.any(String));
    const stored = await ctx.db.prisma.agentCredential.findMany({ where: { machineId: m.machineId } });
    for (const s of stored) expect(res.body).not.toContain(s.tokenHash);
    expect(res.body).not.toContain(m.credential);
  });

  it('is for admins only, and 404 for an unknown machine', async () => {
    const m = await machineWithCredential();
    const anonymous = await ctx.app.inject({ url: url(m.machineId), headers: NO_CREDENTIALS });
    expect(anonymous.statusCode).toBe(401);
    for (const who of [viewer, operator]) {
      const res = await ctx.app.inject({ url: url(m.machineId), headers: { authorization: who.bearer } });
      expect(res.statusCode).toBe(403);
    }
    const unknown = await ctx.app.inject({
      url: url('00000000-0000-7000-8000-000000000000'),
      headers: { authorization: admin.bearer },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
  });
});

describe('DELETE /machines/:id/credentials', () => {
  it('closes the agent at once, refuses its reconnection, keeps the machine, and audits', async () => {
    const m = await machineWithCredential();
    const agent = await connectedAgent(m.credential, m.systemId);
    expect(ctx.app.agentGateway.sessions.has(m.machineId)).toBe(true);

    const res = await ctx.app.inject({
      method: 'DELETE',
      url: url(m.machineId),
      headers: { authorization: admin.bearer },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ revoked: 1 });

    const closed = await agent.closed;
    expect(closed).toEqual({ code: CLOSE.revoked, reason: 'credential revoked' });
    await expect(connect(m.credential)).rejects.toThrow('HTTP 401');

    const machine = await ctx.db.prisma.machine.findUnique({ where: { id: m.machineId } });
    expect(machine).not.toBeNull();
    const cred = await ctx.db.prisma.agentCredential.findUniqueOrThrow({ where: { id: m.credentialId } });
    expect(cred.revokedAt).not.toBeNull();

    const event = await ctx.db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'machine.revoke_credentials', targetId: m.machineId },
    });
    expect(event).toMatchObject({ actorType: 'api_token', targetType: 'machine' });
    expect(event.before).toEqual({ liveCredentialIds: [m.credentialId] });
    expect(JSON.stringify(event)).not.toContain(m.credential);

    // Nothing left to revoke: still a success, with nothing counted.
    const again = await ctx.app.inject({
      method: 'DELETE',
      url: url(m.machineId),
      headers: { authorization: admin.bearer },
    });
    expect(again.json()).toEqual({ revoked: 0 });
  });

  it('lets the machine come back by enrolling again', async () => {
    const m = await machineWithCredential();
    await ctx.app.inject({
      method: 'DELETE',
      url: url(m.machineId),
      headers: { authorization: admin.bearer },
    });
    const token = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/enrollment-tokens',
      headers: { authorization: admin.bearer },
      payload: { name: 'come back', maxUses: 1 },
    });
    expect(token.statusCode, token.body).toBe(201);
    const enrolled = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/agent/enroll',
      payload: {
        token: token.json().token,
        hostname: 'cred-host',
        systemId: m.systemId,
        os: 'linux',
        arch: 'x64',
      },
    });
    expect(enrolled.statusCode, enrolled.body).toBe(201);
    expect(enrolled.json().machineId).toBe(m.machineId);
    const agent = await connectedAgent(enrolled.json().credential, m.systemId);
    agent.ws.close();
    await agent.closed;
  });

  it('closes only connections whose own credential was revoked', async () => {
    // A machine that enrolled again while its old connection was still up: announcing the old credential's
    // revocation must not cut the new connection.
    const m = await machineWithCredential();
    const fresh = generateToken('agent');
    await ctx.db.prisma.agentCredential.create({
      data: { machineId: m.machineId, tokenHash: hashToken(fresh) },
    });
    const kept = await connectedAgent(fresh, m.systemId);
    // A second machine whose credential is revoked in the same announcement: once its agent is closed, the
    // verdict on the first one (checked together with it) has been taken too.
    const other = await machineWithCredential();
    const cut = await connectedAgent(other.credential, other.systemId);
    await ctx.db.prisma.agentCredential.updateMany({
      where: { id: { in: [m.credentialId, other.credentialId] } },
      data: { revokedAt: new Date() },
    });
    await ctx.app.events.publish({
      topic: 'credentials.revoked',
      machineIds: [m.machineId, other.machineId],
    });
    expect((await cut.closed).code).toBe(CLOSE.revoked);
    expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    kept.ws.close();
    await kept.closed;
  });

  it('is for admins only, 404 for an unknown machine, and a refusal changes nothing', async () => {
    const m = await machineWithCredential();
    const agent = await connectedAgent(m.credential, m.systemId);
    const anonymous = await ctx.app.inject({
      method: 'DELETE',
      url: url(m.machineId),
      headers: NO_CREDENTIALS,
    });
    expect(anonymous.statusCode).toBe(401);
    for (const who of [viewer, operator]) {
      const res = await ctx.app.inject({
        method: 'DELETE',
        url: url(m.machineId),
        headers: { authorization: who.bearer },
      });
      expect(res.statusCode).toBe(403);
    }
    const readOnlyAdmin = await createTestUser(ctx.db.prisma, 'admin', { scope: 'read' });
    const readOnly = await ctx.app.inject({
      method: 'DELETE',
      url: url(m.machineId),
      headers: { authorization: readOnlyAdmin.bearer },
    });
    expect(readOnly.statusCode).toBe(403);
    const unknown = await ctx.app.inject({
      method: 'DELETE',
      url: url('00000000-0000-7000-8000-000000000000'),
      headers: { authorization: admin.bearer },
    });
    expect(unknown.statusCode).toBe(404);
    const cred = await ctx.db.prisma.agentCredential.findUniqueOrThrow({ where: { id: m.credentialId } });
    expect(cred.revokedAt).toBeNull();
    expect(agent.ws.readyState).toBe(WebSocket.OPEN);
    agent.ws.close();
    await agent.closed;
  });
});
