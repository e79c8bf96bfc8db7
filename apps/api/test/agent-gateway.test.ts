/**
 * The /agent websocket with real sockets against a listening app: enrollment, authentication at the upgrade, the
 * hello handshake, replacement, invalid frames, revisions sent and acknowledged, token adoption and offline state.
 */
import { createHash } from 'node:crypto';
import {
  CLOSE,
  encodeMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
  type AgentMessage,
  type Hello,
  type ServerMessage,
} from '@paddock/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp, type App } from '../src/app.js';
import type { RevisionSource } from '../src/agent-gateway/session.js';
import { createLocalEventBus } from '../src/lib/event-bus.js';
import { factories } from './support/factories.js';
import { testEnv, useTestApp } from './support/test-db.js';

const ctx = useTestApp();
const events = createLocalEventBus();
let app: App;
let base: string;

/** What the fake revision source answers per machine. */
const desired = new Map<string, { revision: number; sha256: string; config: string }>();
const renumbered: Array<{ machineId: string; above: number }> = [];
const revisions: RevisionSource = {
  desired: async (ids) =>
    new Map(ids.flatMap((id) => (desired.has(id) ? [[id, desired.get(id)!] as const] : []))),
  renumber: async (machineId, above) => {
    renumbered.push({ machineId, above });
  },
};

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

beforeAll(async () => {
  app = await buildApp({
    env: testEnv({ PADDOCK_AGENT_HEARTBEAT_MS: '1000' }),
    db: ctx.db,
    secrets: ctx.secrets,
    events,
    revisions,
    logger: false,
  });
  base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
});
afterAll(() => app.close());

async function enrollmentToken(
  body: Record<string, unknown> = { name: 'test', maxUses: 10 },
): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/enrollment-tokens', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().token;
}

async function enroll(token: string, systemId?: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/agent/enroll',
    payload: { token, hostname: 'build-1', ...(systemId && { systemId }), os: 'linux', arch: 'x64' },
  });
}

let systemSeq = 0;
const newSystemId = () => `s_${String(++systemSeq).padStart(12, '0')}`;

async function enrolledMachine(systemId = newSystemId()) {
  const res = await enroll(await enrollmentToken(), systemId);
  expect(res.statusCode, res.body).toBe(201);
  return { ...(res.json() as { machineId: string; credential: string }), systemId };
}

/** A minimal agent: a socket with a queue of parsed server messages. */
class TestAgent {
  readonly messages: ServerMessage[] = [];
  private waiters: Array<() => void> = [];
  closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = parseServerMessage(data.toString());
      if (parsed.ok) this.messages.push(parsed.message);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }
  static async connect(credential?: string): Promise<TestAgent> {
    const ws = new WebSocket(
      `${base}/agent`,
      credential ? { headers: { authorization: `Bearer ${credential}` } } : {},
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return new TestAgent(ws);
  }
  send(message: AgentMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : encodeMessage(message));
  }
  async next<T extends ServerMessage['type']>(type: T): Promise<Extract<ServerMessage, { type: T }>> {
    for (;;) {
      const i = this.messages.findIndex((m) => m.type === type);
      if (i !== -1) return this.messages.splice(i, 1)[0] as Extract<ServerMessage, { type: T }>;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} message`)), 5000);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

function hello(systemId: string, extra: Partial<Hello> = {}): Hello {
  return {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    agentVersion: '0.1.0',
    systemId,
    hostname: 'build-1',
    os: 'linux',
    arch: 'x64',
    runnerVersion: '19.4.0',
    applied: null,
    diskSha256: null,
    ...extra,
  };
}

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + 8000;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const machine = (id: string) => ctx.db.prisma.machine.findUniqueOrThrow({ where: { id } });

describe('enrollment', () => {
  it('issues a credential once per use, and refuses used-up, revoked and unknown tokens alike', async () => {
    const token = await enrollmentToken({ name: 'one use', maxUses: 1, labels: { pool: 'docker' } });
    const first = await enroll(token, newSystemId());
    expect(first.statusCode).toBe(201);
    expect(first.json().credential).toMatch(/^pda_/);
    const m = await machine(first.json().machineId);
    expect(m.labels).toEqual({ pool: 'docker' });
    const stored = await ctx.db.prisma.agentCredential.findFirstOrThrow({ where: { machineId: m.id } });
    expect(stored.tokenHash).toBe(sha(first.json().credential));

    const again = await enroll(token, newSystemId());
    expect(again.statusCode).toBe(401);
    expect((await enroll('pde_' + 'x'.repeat(43))).json().detail).toBe(again.json().detail);

    const revoked = await enrollmentToken();
    const list = (await app.inject('/api/v1/enrollment-tokens')).json().items as Array<{
      id: string;
      active: boolean;
    }>;
    const id = list.find((t) => t.active)!.id;
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/enrollment-tokens/${id}` })).statusCode).toBe(
      204,
    );
    expect(JSON.stringify(list)).not.toContain(revoked);
  });

  it('refuses an expired token', async () => {
    const token = await enrollmentToken({
      name: 'old',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect((await enroll(token)).statusCode).toBe(401);
  });

  it('keeps the machine when a host enrolls again, and retires the old credential', async () => {
    const first = await enrolledMachine();
    const second = await enroll(await enrollmentToken(), first.systemId);
    expect(second.json().machineId).toBe(first.machineId);
    await expect(TestAgent.connect(first.credential)).rejects.toThrow('HTTP 401');
    const agent = await TestAgent.connect(second.json().credential);
    agent.ws.close();
  });

  it('lets only one agent through when two race for the last use', async () => {
    const token = await enrollmentToken({ name: 'race', maxUses: 1 });
    const results = await Promise.all([enroll(token, newSystemId()), enroll(token, newSystemId())]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 401]);
  });
});

describe('the /agent socket', () => {
  it('is refused without a valid credential', async () => {
    await expect(TestAgent.connect()).rejects.toThrow('HTTP 401');
    await expect(TestAgent.connect('pda_' + 'y'.repeat(43))).rejects.toThrow('HTTP 401');
  });

  it('welcomes an agent after hello and records the machine online', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId, { cpuCount: 8, memoryBytes: 16 * 2 ** 30 }));
    const welcome = await agent.next('welcome');
    expect(welcome).toMatchObject({
      machineId,
      heartbeatIntervalMs: 1000,
      protocolVersion: PROTOCOL_VERSION,
    });
    const m = await machine(machineId);
    expect(m).toMatchObject({ connectionState: 'online', systemId, runnerVersion: '19.4.0', cpuCount: 8 });
    expect(app.agentGateway.sessions.has(machineId)).toBe(true);

    agent.ws.close();
    await waitFor(
      () => machine(machineId),
      (x) => x.connectionState === 'offline',
      'offline after close',
    );
  });

  it('closes a different major protocol version with a clear reason', async () => {
    const { credential, systemId } = await enrolledMachine();
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId, { protocolVersion: '2.0' }));
    const closed = await agent.closed;
    expect(closed.code).toBe(CLOSE.versionMismatch);
    expect(closed.reason).toContain('2.0');
  });

  it('replaces the older connection of the same machine', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    const first = await TestAgent.connect(credential);
    first.send(hello(systemId));
    await first.next('welcome');
    const second = await TestAgent.connect(credential);
    second.send(hello(systemId));
    await second.next('welcome');
    expect((await first.closed).code).toBe(CLOSE.replaced);
    expect((await machine(machineId)).connectionState).toBe('online');
    second.ws.close();
  });

  it('does not let an agent take another machine’s system_id', async () => {
    const other = await enrolledMachine();
    const { credential } = await enrolledMachine();
    const agent = await TestAgent.connect(credential);
    agent.send(hello(other.systemId));
    expect((await agent.closed).code).toBe(CLOSE.protocolViolation);
  });

  it('drops invalid frames, counts them, and cuts off a flood', async () => {
    const { credential, systemId } = await enrolledMachine();
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId));
    await agent.next('welcome');
    const before = app.agentGateway.counters.invalidFrames;
    agent.send('not json');
    agent.send(JSON.stringify({ type: 'applied', revision: -1 }));
    agent.ws.send(Buffer.from([0xff, 0xfe]));
    await waitFor(
      async () => app.agentGateway.counters.invalidFrames,
      (n) => n >= before + 3,
      'counted frames',
    );
    expect(agent.ws.readyState).toBe(WebSocket.OPEN);
    for (let i = 0; i < 30; i++) agent.send('{}');
    expect((await agent.closed).code).toBe(CLOSE.protocolViolation);
  });

  it('requires hello first', async () => {
    const { credential } = await enrolledMachine();
    const agent = await TestAgent.connect(credential);
    agent.send({ type: 'drift', revision: 1, diskSha256: null, paths: [] });
    expect((await agent.closed).code).toBe(CLOSE.protocolViolation);
  });
});

describe('revisions over the socket', () => {
  async function revisionRow(machineId: string, number: number, config: string) {
    await ctx.db.prisma.configRevision.create({
      data: { machineId, number, model: {}, sha256: sha(config), reason: 'test', actorType: 'system' },
    });
    await ctx.db.prisma.machine.update({ where: { id: machineId }, data: { desiredRevision: number } });
    desired.set(machineId, { revision: number, sha256: sha(config), config });
  }

  it('sends the desired revision after welcome and records it applied', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    await revisionRow(machineId, 1, 'concurrent = 2\n');
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId));
    await agent.next('welcome');
    const apply = await agent.next('apply');
    expect(apply).toEqual({
      type: 'apply',
      revision: 1,
      sha256: sha('concurrent = 2\n'),
      config: 'concurrent = 2\n',
    });
    agent.send({ type: 'applied', revision: 1, sha256: apply.sha256, written: true });
    const m = await waitFor(
      () => machine(machineId),
      (x) => x.appliedRevision === 1,
      'applied',
    );
    expect(m.appliedSha256).toBe(apply.sha256);
    const row = await ctx.db.prisma.configRevision.findFirstOrThrow({ where: { machineId, number: 1 } });
    expect(row.status).toBe('applied');

    // A new revision is pushed when any replica announces it.
    await revisionRow(machineId, 2, 'concurrent = 3\n');
    await events.publish({ topic: 'machines.reconcile', machineIds: [machineId] });
    expect((await agent.next('apply')).revision).toBe(2);
    agent.send({ type: 'applied', revision: 2, sha256: sha('concurrent = 3\n'), written: true });
    await waitFor(
      () => machine(machineId),
      (x) => x.appliedRevision === 2,
      'applied 2',
    );

    // A late acknowledgement of an older revision does not move the machine back.
    agent.send({ type: 'applied', revision: 1, sha256: sha('concurrent = 2\n'), written: false });
    agent.send({
      type: 'status',
      diskSha256: null,
      runner: { metricsOk: false, error: 'x', version: null, concurrent: null, jobs: [] },
      host: { cpuCount: 2, load1: 0.5, memoryBytes: 1e9, memoryAvailableBytes: 5e8 },
    });
    await waitFor(
      () => machine(machineId),
      (x) => x.lastStatus !== null,
      'status stored',
    );
    expect((await machine(machineId)).appliedRevision).toBe(2);
    agent.ws.close();
  });

  it('asks for a renumbered revision when the agent runs a newer number with other content', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    await revisionRow(machineId, 1, 'x = 1\n');
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId, { applied: { number: 7, sha256: sha('restored from elsewhere') } }));
    await agent.next('welcome');
    await waitFor(
      async () => renumbered,
      (r) => r.some((x) => x.machineId === machineId),
      'renumber request',
    );
    expect(renumbered.find((x) => x.machineId === machineId)).toEqual({ machineId, above: 7 });
    expect(agent.messages.filter((m) => m.type === 'apply')).toEqual([]);
    agent.ws.close();
  });

  it('does not resend what the agent reports as already applied, and records failures', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    await revisionRow(machineId, 1, 'a = 1\n');
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId, { applied: { number: 1, sha256: sha('a = 1\n') } }));
    await agent.next('welcome');
    await revisionRow(machineId, 2, 'a = 2\n');
    await events.publish({ topic: 'machines.reconcile', machineIds: [machineId] });
    const apply = await agent.next('apply');
    expect(apply.revision).toBe(2);
    agent.send({ type: 'failed', revision: 2, code: 'disk_full', message: 'no space left on device' });
    const m = await waitFor(
      () => machine(machineId),
      (x) => x.applyError !== null,
      'failure recorded',
    );
    expect(m.applyError).toContain('disk_full');
    expect(m.appliedRevision).toBe(1);
    agent.ws.close();
  });

  it('reports drift and adopts tokens rotated by gitlab-runner for its own runners only', async () => {
    const f = factories(ctx.db, ctx.secrets);
    const gl = await f.gitlabInstance({ url: 'https://gitlab.rotate.example.com' });
    const mine = await f.runner(gl.id, { gitlabRunnerId: 501 });
    const notMine = await f.runner(gl.id, { gitlabRunnerId: 502 });
    const { machineId, credential, systemId } = await enrolledMachine();
    await f.assign(mine.id, machineId);
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId));
    await agent.next('welcome');
    agent.send({ type: 'drift', revision: 1, diskSha256: 'b'.repeat(64), paths: ['concurrent'] });
    await waitFor(
      () => machine(machineId),
      (x) => x.driftKeys.length === 1,
      'drift stored',
    );
    agent.send({
      type: 'tokenRotated',
      revision: 1,
      diskSha256: 'c'.repeat(64),
      tokens: [
        {
          runner: { url: 'https://gitlab.rotate.example.com/', id: 501 },
          token: 'glrt-t1_NewlyRotated0001',
          tokenObtainedAt: '2026-11-23T10:00:00.123456789Z',
          tokenExpiresAt: '2026-12-23T10:00:00Z',
        },
        {
          runner: { url: 'https://gitlab.rotate.example.com', id: 502 },
          token: 'glrt-t1_Stolen000000002',
          tokenObtainedAt: '2026-11-23T10:00:00Z',
          tokenExpiresAt: '0001-01-01T00:00:00Z',
        },
      ],
    });
    const token = await waitFor(
      () => ctx.db.prisma.runnerToken.findUniqueOrThrow({ where: { runnerId: mine.id } }),
      (t) => t.rotatedAt !== null,
      'token adopted',
    );
    expect(ctx.secrets.decrypt(token.ciphertext, 'runner-token')).toBe('glrt-t1_NewlyRotated0001');
    expect(token.expiresAt?.toISOString()).toBe('2026-12-23T10:00:00.000Z');
    const other = await ctx.db.prisma.runnerToken.findUniqueOrThrow({ where: { runnerId: notMine.id } });
    expect(other.rotatedAt).toBeNull();
    agent.ws.close();
  });

  it('marks machines offline when they go silent, wherever they were connected', async () => {
    const { machineId } = await enrolledMachine();
    await ctx.db.prisma.machine.update({
      where: { id: machineId },
      data: { connectionState: 'online', lastSeenAt: new Date(Date.now() - 60_000) },
    });
    await waitFor(
      () => machine(machineId),
      (x) => x.connectionState === 'offline',
      'swept offline',
    );
  });
});

describe('the /live socket', () => {
  async function liveClient() {
    const ws = new WebSocket(`${base}/live`);
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const next = async (predicate: (m: Record<string, unknown>) => boolean) => {
      const until = Date.now() + 8000;
      for (;;) {
        const i = messages.findIndex(predicate);
        if (i !== -1) return messages.splice(i, 1)[0]!;
        if (Date.now() > until) throw new Error(`no matching live message in ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    return { ws, next, messages };
  }

  it('streams a machine going online, a revision being applied, and the rollout, to subscribers', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    const live = await liveClient();
    await live.next((m) => m.type === 'ready');
    live.ws.send(JSON.stringify({ type: 'subscribe', topic: `machine:${machineId}` }));
    await live.next((m) => m.type === 'subscribed');
    await live.next((m) => m.type === 'machine'); // current state on subscribe

    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId));
    await agent.next('welcome');
    const online = await live.next(
      (m) => m.type === 'machine' && (m.machine as { connectionState: string }).connectionState === 'online',
    );
    expect((online.machine as { id: string }).id).toBe(machineId);

    const config = 'concurrent = 5\n';
    await ctx.db.prisma.configRevision.create({
      data: { machineId, number: 1, model: {}, sha256: sha(config), reason: 'live', actorType: 'system' },
    });
    await ctx.db.prisma.machine.update({ where: { id: machineId }, data: { desiredRevision: 1 } });
    desired.set(machineId, { revision: 1, sha256: sha(config), config });
    await events.publish({ topic: 'machines.reconcile', machineIds: [machineId] });
    const apply = await agent.next('apply');
    agent.send({ type: 'applied', revision: apply.revision, sha256: apply.sha256, written: true });
    await live.next(
      (m) => m.type === 'machine' && (m.machine as { revisionState: string }).revisionState === 'in_sync',
    );

    // Bad frames get a clear error and do not close the socket.
    live.ws.send('nonsense');
    expect((await live.next((m) => m.type === 'error')).message).toBe('messages are JSON');
    live.ws.send(JSON.stringify({ type: 'subscribe', topic: 'everything' }));
    expect((await live.next((m) => m.type === 'error')).message).toMatch(/^invalid message/);
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    live.ws.close();
    agent.ws.close();
  });
});
