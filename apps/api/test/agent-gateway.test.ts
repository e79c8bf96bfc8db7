/**
 * The /agent websocket with real sockets against a listening app: enrollment, authentication at the upgrade, the
 * hello handshake, replacement, invalid, oversized and too frequent frames, reports about other machines refused,
 * revoked credentials, revisions sent and acknowledged, token adoption and offline state.
 */
import { createHash } from 'node:crypto';
import {
  AGENT_FRAME_RATE,
  CLOSE,
  MAX_FRAME_BYTES,
  encodeMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
  type AgentMessage,
  type Hello,
  type ServerMessage,
  type Status,
} from '@paddock/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp, type App } from '../src/app.js';
import type { RevisionSource } from '../src/agent-gateway/session.js';
import { createLocalEventBus } from '../src/lib/event-bus.js';
import { storeModels } from '../src/modules/revisions/config-models.js';
import { authenticateInjects } from './support/auth.js';
import { factories } from './support/factories.js';
import { testEnv, useTestApp } from './support/test-db.js';

const ctx = useTestApp();
/** The hash of an empty desired model, stored (these tests send their own config texts). */
const emptyModel = async () => (await storeModels(ctx.db.prisma, ['{}']))[0]!;
const events = createLocalEventBus();
let app: App;
let base: string;

/** What the fake revision source answers per machine. */
const desired = new Map<string, { revision: number; sha256: string; config: string }>();
const renumbered: Array<{ machineId: string; above: number }> = [];
/** machine ids the gateway read desired revisions for, in order */
const desiredReads: string[][] = [];
type CommittedListener = Parameters<NonNullable<RevisionSource['onCommitted']>>[0];
const committedListeners = new Set<CommittedListener>();
const revisions: RevisionSource = {
  desired: async (ids) => {
    desiredReads.push(ids);
    return new Map(ids.flatMap((id) => (desired.has(id) ? [[id, desired.get(id)!] as const] : [])));
  },
  renumber: async (machineId, above) => {
    renumbered.push({ machineId, above });
  },
  onCommitted: (listener) => {
    committedListeners.add(listener);
    return () => committedListeners.delete(listener);
  },
};
/** What the revisions service does after a rollout commits in this process. */
const commitHere = (
  rolloutId: string,
  revs: Map<string, { revision: number; sha256: string; config: string }>,
) => {
  for (const listener of committedListeners) listener(rolloutId, revs);
};

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

beforeAll(async () => {
  app = await buildApp({
    env: testEnv({ PADDOCK_AGENT_HEARTBEAT_MS: '1000' }),
    db: ctx.db,
    secrets: ctx.secrets,
    events,
    revisions,
    // GitLab's answer to `POST /runners/verify`: tokens naming themselves forged are unknown to it.
    checkRunnerToken: async (_url, token) => (token.includes('Forged') ? 'invalid' : 'valid'),
    logger: false,
  });
  authenticateInjects(app, ctx.admin.bearer);
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

function status(): Status {
  return {
    type: 'status',
    diskSha256: null,
    runner: { metricsOk: true, error: null, version: '19.4.0', concurrent: 4, jobs: [] },
    host: { cpuCount: 2, load1: 0.1, memoryBytes: 1e9, memoryAvailableBytes: 5e8 },
  };
}

async function enrolledMachineWithCredentialId() {
  const m = await enrolledMachine();
  const row = await ctx.db.prisma.agentCredential.findUniqueOrThrow({
    where: { tokenHash: sha(m.credential) },
  });
  return { ...m, credentialId: row.id };
}

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

    const revoked = await enrollmentToken({ name: 'to revoke', maxUses: 10 });
    const list = (await app.inject('/api/v1/enrollment-tokens')).json().items as Array<{
      id: string;
      name: string;
      active: boolean;
    }>;
    expect(JSON.stringify(list)).not.toContain(revoked);
    const id = list.find((t) => t.name === 'to revoke')!.id;
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/enrollment-tokens/${id}` })).statusCode).toBe(
      204,
    );
    const refused = await enroll(revoked, newSystemId());
    expect(refused.statusCode).toBe(401);
    expect(refused.json().detail).toBe(again.json().detail);
  });

  it('counts uses: an n-use token enrolls n machines, then no more', async () => {
    const token = await enrollmentToken({ name: 'three uses', maxUses: 3 });
    for (let i = 0; i < 3; i++) expect((await enroll(token, newSystemId())).statusCode).toBe(201);
    expect((await enroll(token, newSystemId())).statusCode).toBe(401);
    const row = await ctx.db.prisma.enrollmentToken.findFirstOrThrow({ where: { name: 'three uses' } });
    expect(row.uses).toBe(3);
  });

  it('refuses an expired token', async () => {
    const token = await enrollmentToken({
      name: 'old',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect((await enroll(token)).statusCode).toBe(401);
  });

  it('keeps the machine when a host enrolls again after its credential was revoked, never before', async () => {
    const first = await enrolledMachine();
    const token = await enrollmentToken({ name: 'takeover', maxUses: 5 });
    // Knowing a machine's system_id is not enough to take it over.
    const takeover = await enroll(token, first.systemId);
    expect(takeover.statusCode).toBe(409);
    expect(takeover.json().detail).toMatch(/revokes it first/);
    expect(takeover.body).not.toMatch(/pda_/);
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/machines/${first.machineId}/credentials`,
    });
    expect(revoke.statusCode).toBe(200);
    const second = await enroll(token, first.systemId);
    expect(second.statusCode).toBe(201);
    expect(second.json().machineId).toBe(first.machineId);
    // The refused attempt used nothing up.
    const listed = (await app.inject('/api/v1/enrollment-tokens')).json().items as Array<{
      name: string;
      uses: number;
    }>;
    expect(listed.find((t) => t.name === 'takeover')?.uses).toBe(1);
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

  it('announces heartbeats at most once a second, without ids, and not as machine changes', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    const heard: Array<{ topic: string; at: number }> = [];
    const stop = events.subscribe((event) => {
      if (event.topic === 'machines.status') heard.push({ topic: event.topic, at: Date.now() });
      else if (event.topic === 'machines.changed' && event.machineIds.includes(machineId))
        heard.push({ topic: event.topic, at: Date.now() });
    });
    const agent = await TestAgent.connect(credential);
    try {
      agent.send(hello(systemId));
      await agent.next('welcome');
      // Coming online is a change; what follows is not.
      await waitFor(
        async () => heard,
        (h) => h.some((e) => e.topic === 'machines.changed'),
        'online announced',
      );
      heard.length = 0;
      const sentAt = Date.now();
      for (let i = 0; i < 5; i += 1) agent.send(status());
      await waitFor(
        async () => heard,
        (h) => h.some((e) => e.topic === 'machines.status'),
        'heartbeat news',
      );
      expect(heard.filter((e) => e.topic === 'machines.status')).toHaveLength(1);
      expect(heard.find((e) => e.topic === 'machines.status')!.at - sentAt).toBeGreaterThanOrEqual(900);
      expect(heard.some((e) => e.topic === 'machines.changed')).toBe(false);
    } finally {
      stop();
      agent.ws.close();
    }
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
    const { credential, machineId, systemId } = await enrolledMachine();
    const refusedBefore = app.agentGateway.counters.refusedReports;
    const agent = await TestAgent.connect(credential);
    agent.send(hello(other.systemId));
    const closed = await agent.closed;
    expect(closed.code).toBe(CLOSE.protocolViolation);
    expect(closed.reason).toContain('belongs to another machine');
    expect(app.agentGateway.counters.refusedReports).toBe(refusedBefore + 1);
    expect(await machine(other.machineId)).toMatchObject({
      systemId: other.systemId,
      connectionState: 'never_connected',
    });
    expect(await machine(machineId)).toMatchObject({ systemId, connectionState: 'never_connected' });
    expect(agent.messages).toEqual([]);
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

  it('takes a burst of frames below the limit, and closes a connection that sends faster', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId));
    await agent.next('welcome');
    const limitedBefore = app.agentGateway.counters.rateLimited;
    // Hello and welcome spent one frame; a burst just under the rest still goes through (the ping's pong comes
    // back only after every frame before it was taken).
    for (let i = 0; i < AGENT_FRAME_RATE.burst - 10; i++) agent.send(status());
    await new Promise<void>((resolve) => {
      agent.ws.once('pong', () => resolve());
      agent.ws.ping();
    });
    expect(agent.ws.readyState).toBe(WebSocket.OPEN);

    for (let i = 0; i < AGENT_FRAME_RATE.burst * 2; i++) agent.send(status());
    const closed = await agent.closed;
    expect(closed.code).toBe(CLOSE.rateLimited);
    expect(closed.reason).toBe(
      `too many frames: at most ${AGENT_FRAME_RATE.perSecond} per second (bursts of ${AGENT_FRAME_RATE.burst})`,
    );
    expect(app.agentGateway.counters.rateLimited).toBe(limitedBefore + 1);
    await waitFor(
      () => machine(machineId),
      (x) => x.connectionState === 'offline',
      'offline after the cut',
    );
  });

  it('closes a connection that sends a frame above the size limit with 1009', async () => {
    const { credential, systemId } = await enrolledMachine();
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId));
    await agent.next('welcome');
    const before = app.agentGateway.counters.oversizedFrames;
    agent.send(JSON.stringify({ type: 'drift', padding: 'x'.repeat(MAX_FRAME_BYTES) }));
    const closed = await agent.closed;
    expect(closed.code).toBe(CLOSE.tooLarge);
    await waitFor(
      async () => app.agentGateway.counters.oversizedFrames,
      (n) => n === before + 1,
      'oversized frame counted',
    );
    // A frame just under the limit is merely an invalid message: dropped, and the connection stays.
    const again = await TestAgent.connect(credential);
    again.send(hello(systemId));
    await again.next('welcome');
    const invalid = app.agentGateway.counters.invalidFrames;
    again.send(JSON.stringify({ type: 'drift', padding: 'x'.repeat(MAX_FRAME_BYTES - 40) }));
    await waitFor(
      async () => app.agentGateway.counters.invalidFrames,
      (n) => n === invalid + 1,
      'large frame dropped',
    );
    expect(again.ws.readyState).toBe(WebSocket.OPEN);
    again.ws.close();
  });

  it('closes a connection whose credential is revoked, even before its hello, and refuses it after', async () => {
    const { credential, credentialId } = await enrolledMachineWithCredentialId();
    const agent = await TestAgent.connect(credential);
    await ctx.db.prisma.agentCredential.update({
      where: { id: credentialId },
      data: { revokedAt: new Date() },
    });
    const m = await ctx.db.prisma.agentCredential.findUniqueOrThrow({ where: { id: credentialId } });
    await events.publish({ topic: 'credentials.revoked', machineIds: [m.machineId] });
    expect(await agent.closed).toEqual({ code: CLOSE.revoked, reason: 'credential revoked' });
    await expect(TestAgent.connect(credential)).rejects.toThrow('HTTP 401');
  });

  it('closes a hello made with a credential revoked after the upgrade, announced or not', async () => {
    const { credential, credentialId, systemId, machineId } = await enrolledMachineWithCredentialId();
    const agent = await TestAgent.connect(credential);
    // Revoked in the database only: the announcement was lost, or came before this socket existed.
    await ctx.db.prisma.agentCredential.update({
      where: { id: credentialId },
      data: { revokedAt: new Date() },
    });
    agent.send(hello(systemId));
    expect((await agent.closed).code).toBe(CLOSE.revoked);
    expect(agent.messages).toEqual([]);
    expect((await machine(machineId)).connectionState).toBe('never_connected');
  });
});

describe('revisions over the socket', () => {
  async function revisionRow(machineId: string, number: number, config: string) {
    await ctx.db.prisma.configRevision.create({
      data: {
        machineId,
        number,
        modelHash: await emptyModel(),
        sha256: sha(config),
        reason: 'test',
        actorType: 'system',
      },
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

  it('sends a rollout committed here at once, without reading it back, and never an older revision', async () => {
    const { machineId, credential, systemId } = await enrolledMachine();
    await revisionRow(machineId, 1, 'b = 1\n');
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId));
    await agent.next('welcome');
    expect((await agent.next('apply')).revision).toBe(1);

    // The committed revision goes out with the rendered text the commit carried.
    await revisionRow(machineId, 2, 'b = 2\n');
    const { id: rolloutId } = await ctx.db.prisma.rollout.create({
      data: { reason: 'test', actorType: 'system' },
    });
    await ctx.db.prisma.configRevision.updateMany({ where: { machineId, number: 2 }, data: { rolloutId } });
    const readsBefore = desiredReads.length;
    commitHere(rolloutId, new Map([[machineId, desired.get(machineId)!]]));
    const apply = await agent.next('apply');
    expect(apply).toMatchObject({ revision: 2, config: 'b = 2\n' });
    // Its event, coming back from the bus, has nothing left to do here: no read, nothing sent twice.
    await events.publish({ topic: 'rollout.created', rolloutId });
    await new Promise((r) => setTimeout(r, 100));
    expect(desiredReads.length).toBe(readsBefore);

    // A commit that arrives after a newer revision was already sent does not step the machine back.
    await revisionRow(machineId, 3, 'b = 3\n');
    await events.publish({ topic: 'machines.reconcile', machineIds: [machineId] });
    expect((await agent.next('apply')).revision).toBe(3);
    commitHere(
      crypto.randomUUID(),
      new Map([[machineId, { revision: 2, sha256: sha('b = 2\n'), config: 'b = 2\n' }]]),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(agent.messages.filter((m) => m.type === 'apply')).toEqual([]);
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
    // The other runner runs on another machine: this agent must not replace its token.
    await f.assign(notMine.id, (await enrolledMachine()).machineId);
    const refusedBefore = app.agentGateway.counters.refusedReports;
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
    // A token GitLab does not accept is not stored, even for this machine's own runner.
    agent.send({
      type: 'tokenRotated',
      revision: 1,
      diskSha256: 'd'.repeat(64),
      tokens: [
        {
          runner: { url: 'https://gitlab.rotate.example.com', id: 501 },
          token: 'glrt-t1_Forged0000000003',
          tokenObtainedAt: '2026-11-23T11:00:00Z',
          tokenExpiresAt: '2026-12-23T11:00:00Z',
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
    expect(ctx.secrets.decrypt(other.ciphertext, 'runner-token')).not.toBe('glrt-t1_Stolen000000002');
    await waitFor(
      async () => app.agentGateway.counters.refusedReports,
      (n) => n === refusedBefore + 2,
      'the stolen and the forged token refused',
    );
    const kept = await ctx.db.prisma.runnerToken.findUniqueOrThrow({ where: { runnerId: mine.id } });
    expect(ctx.secrets.decrypt(kept.ciphertext, 'runner-token')).toBe('glrt-t1_NewlyRotated0001');
    agent.ws.close();
  });

  it('refuses applied and failed reports for revisions of another machine, changing nothing', async () => {
    const victim = await enrolledMachine();
    await revisionRow(victim.machineId, 1, 'victim = 1\n');
    await revisionRow(victim.machineId, 2, 'victim = 2\n');
    const { machineId, credential, systemId } = await enrolledMachine();
    await revisionRow(machineId, 1, 'own = 1\n');
    const agent = await TestAgent.connect(credential);
    agent.send(hello(systemId));
    await agent.next('welcome');
    expect((await agent.next('apply')).revision).toBe(1);
    const refusedBefore = app.agentGateway.counters.refusedReports;
    const victimBefore = await machine(victim.machineId);
    const revisionsBefore = await ctx.db.prisma.configRevision.findMany({
      where: { machineId: victim.machineId },
      orderBy: { number: 'asc' },
    });

    agent.send({ type: 'applied', revision: 1, sha256: sha('victim = 1\n'), written: true });
    agent.send({ type: 'failed', revision: 2, code: 'disk_full', message: 'no space left on device' });
    // A made-up number far ahead must not make Paddock renumber this machine's revisions either.
    agent.send({ type: 'applied', revision: 2 ** 31 - 1, sha256: sha('victim = 2\n'), written: true });
    await waitFor(
      async () => app.agentGateway.counters.refusedReports,
      (n) => n === refusedBefore + 3,
      'three refused reports',
    );

    expect(await machine(victim.machineId)).toEqual(victimBefore);
    expect(
      await ctx.db.prisma.configRevision.findMany({
        where: { machineId: victim.machineId },
        orderBy: { number: 'asc' },
      }),
    ).toEqual(revisionsBefore);
    expect(revisionsBefore.map((r) => r.status)).toEqual(['pending', 'pending']);
    const own = await machine(machineId);
    expect(own).toMatchObject({ appliedRevision: null, applyError: null, desiredRevision: 1 });
    const ownRevisions = await ctx.db.prisma.configRevision.findMany({ where: { machineId } });
    expect(ownRevisions.map((r) => [r.number, r.status])).toEqual([[1, 'pending']]);
    expect(renumbered.filter((r) => r.machineId === machineId)).toEqual([]);
    expect(agent.ws.readyState).toBe(WebSocket.OPEN);
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
    const ws = new WebSocket(`${base}/live`, { headers: { authorization: ctx.admin.bearer } });
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

  it('closes every socket with 1012 when the event bus comes back, since events were missed meanwhile', async () => {
    const live = await liveClient();
    await live.next((m) => m.type === 'ready');
    const closed = new Promise<number>((resolve) => live.ws.once('close', (code) => resolve(code)));
    await events.publish({ topic: 'events.resumed' });
    expect(await closed).toBe(1012);
    // Reconnecting works at once.
    const again = await liveClient();
    await again.next((m) => m.type === 'ready');
    again.ws.close();
  });

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
      data: {
        machineId,
        number: 1,
        modelHash: await emptyModel(),
        sha256: sha(config),
        reason: 'live',
        actorType: 'system',
      },
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
