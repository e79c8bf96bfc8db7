import type { AddressInfo } from 'node:net';
import type { LiveServerMessage, WallSummary } from '@paddock/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateToken, hashToken, tokenPrefix } from '../../lib/tokens.js';
import { createTestSession, createTestUser } from '../../../test/support/auth.js';
import { factories } from '../../../test/support/factories.js';
import { storeModels } from '../revisions/config-models.js';
import { useTestApp } from '../../../test/support/test-db.js';

const ctx = useTestApp();
/** no credentials at all: `app.inject` would otherwise send the admin's */
const anonymous = { authorization: null } as unknown as Record<string, string>;
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

let display: string;
const ids: Record<string, string> = {};

/**
 * The fleet: gpu-1 online (runner "docker,linux", 2 of 4 jobs), cpu-1 offline (same runner), cpu-2 online and
 * drifting (paused runner "arm"), cpu-3 online and draining, new-1 never connected. Jobs: two "docker,linux"
 * pending and one running, one "arm" pending (its runner is paused), one "windows" pending (no runner has it),
 * and failures in and before the last hour.
 */
beforeAll(async () => {
  const f = factories(ctx.db, ctx.secrets);
  const { prisma } = ctx.db;
  const gitlab = await f.gitlabInstance();
  const docker = await f.runner(gitlab.id, { tags: ['docker', 'linux'] });
  const arm = await f.runner(gitlab.id, { tags: ['arm'], paused: true });
  const status = (running: number) => ({
    runner: { jobs: [{ runner: { id: 1 }, running, limit: 4 }] },
    host: { cpuCount: 4 },
  });
  const gpu1 = await f.machine({
    hostname: 'gpu-1',
    connectionState: 'online',
    labels: { pool: 'gpu' },
    lastStatus: status(2),
    // busy for ten minutes: flagged
    pressureHighSince: new Date(Date.now() - 10 * 60_000),
  });
  // Its host was busy when it went away: an offline machine is never flagged.
  const cpu1 = await f.machine({
    hostname: 'cpu-1',
    connectionState: 'offline',
    labels: { pool: 'cpu' },
    pressureHighSince: new Date(Date.now() - 10 * 60_000),
  });
  const cpu2 = await f.machine({
    hostname: 'cpu-2',
    connectionState: 'online',
    labels: { pool: 'cpu' },
    driftSha256: 'a'.repeat(64),
    lastStatus: status(1),
  });
  // Busy for a minute only: not flagged yet.
  const cpu3 = await f.machine({
    hostname: 'cpu-3',
    connectionState: 'online',
    drainingSince: new Date(),
    pressureHighSince: new Date(Date.now() - 60_000),
  });
  const new1 = await f.machine({ hostname: 'new-1' });
  Object.assign(ids, { gpu1: gpu1.id, cpu1: cpu1.id, cpu2: cpu2.id, cpu3: cpu3.id, new1: new1.id });
  await f.assign(docker.id, gpu1.id, { effectiveLimit: 4 });
  await f.assign(docker.id, cpu1.id, { effectiveLimit: 4 });
  await f.assign(arm.id, cpu2.id, { effectiveLimit: 2 });

  let job = 1;
  const snapshot = (tags: string[], status: string, extra: Record<string, unknown> = {}) =>
    prisma.jobSnapshot.create({
      data: {
        gitlabInstanceId: gitlab.id,
        gitlabJobId: BigInt(job++),
        projectId: 7,
        name: `job ${job}`,
        status,
        tags,
        tagSetKey: [...tags].sort().join(','),
        createdAt: ago(10 * 60_000),
        queuedAt: ago(10 * 60_000),
        ...extra,
      },
    });
  await snapshot(['linux', 'docker'], 'pending', { queuedAt: ago(300_000) });
  await snapshot(['docker', 'linux'], 'pending', { queuedAt: ago(60_000) });
  await snapshot(['docker', 'linux'], 'running', {
    runnerId: docker.id,
    startedAt: ago(30_000),
    runnerSystemId: gpu1.systemId,
  });
  await snapshot(['arm'], 'pending', { queuedAt: ago(120_000) });
  await snapshot(['windows'], 'pending', { queuedAt: ago(900_000) });
  await snapshot(['docker', 'linux'], 'failed', { finishedAt: ago(600_000), runnerSystemId: gpu1.systemId });
  await snapshot(['docker', 'linux'], 'failed', { finishedAt: ago(2 * HOUR) });

  const [modelHash] = await storeModels(prisma, ['{}']);
  const revision = (machineId: string, number: number, createdAt: Date) =>
    prisma.configRevision.create({
      data: {
        machineId,
        number,
        modelHash: modelHash!,
        sha256: 'b'.repeat(64),
        reason: 'test',
        actorType: 'system',
        status: 'failed',
        error: 'disk full',
        createdAt,
      },
    });
  await revision(cpu2.id, 1, ago(60_000));
  await revision(cpu2.id, 2, ago(3 * HOUR));

  display = generateToken('display');
  await prisma.displayToken.create({
    data: { name: 'lobby', tokenHash: hashToken(display), prefix: tokenPrefix(display) },
  });
});

async function summary(query = ''): Promise<WallSummary> {
  const res = await ctx.app.inject({
    url: `/api/v1/wall/summary?display=${display}${query}`,
    headers: anonymous,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('GET /wall/summary', () => {
  it('counts machines, jobs, capacity, queues, unserved tag sets and the last hour of failures', async () => {
    const s = await summary();
    expect(s.filter).toEqual({ tags: null, label: null });
    expect(s.machines).toMatchObject({
      total: 5,
      online: 3,
      offline: 2,
      neverConnected: 1,
      drifting: 1,
      draining: 1,
      underPressure: 1,
    });
    expect(s.machines.grid).toEqual([
      [ids.cpu1, 'cpu-1', 'offline', 0, 4],
      [ids.cpu2, 'cpu-2', 'drifting', 1, 2],
      [ids.cpu3, 'cpu-3', 'draining', 0, 0],
      [ids.gpu1, 'gpu-1', 'online', 2, 4],
      [ids.new1, 'new-1', 'never', 0, 0],
    ]);
    // Online, undrained machines only: gpu-1 and cpu-2.
    expect(s.capacity).toEqual({ running: 3, limit: 6 });
    expect(s.jobs).toMatchObject({ running: 1, pending: 4 });
    expect(s.jobs.updatedAt).not.toBeNull();
    expect(s.tagSets.map((t) => [t.tagSetKey, t.pending, t.running])).toEqual([
      ['windows', 1, 0],
      ['docker,linux', 2, 1],
      ['arm', 1, 0],
    ]);
    expect(s.tagSets[0]!.oldestWaitSeconds).toBeGreaterThanOrEqual(900);
    expect(s.unservedTagSets).toEqual([
      { tagSetKey: 'windows', tags: ['windows'], pending: 1, reason: 'no_runner_with_tags' },
      { tagSetKey: 'arm', tags: ['arm'], pending: 1, reason: 'all_matching_paused' },
    ]);
    expect(s.failuresLastHour).toEqual({ jobs: 1, revisions: 1 });
  });

  it('narrows to one tag set, in any order of its tags', async () => {
    const s = await summary('&tags=linux,docker');
    expect(s.filter).toEqual({ tags: ['docker', 'linux'], label: null });
    expect(s.machines.grid.map((t) => t[1])).toEqual(['cpu-1', 'gpu-1']);
    expect(s.tagSets.map((t) => t.tagSetKey)).toEqual(['docker,linux']);
    expect(s.jobs).toMatchObject({ running: 1, pending: 2 });
    expect(s.capacity).toEqual({ running: 2, limit: 4 });
    expect(s.unservedTagSets).toEqual([]);
    expect(s.failuresLastHour).toEqual({ jobs: 1, revisions: 0 });
  });

  it('narrows to the machines with one label and the tag sets their runners take', async () => {
    const s = await summary('&label=pool=cpu');
    expect(s.filter).toEqual({ tags: null, label: 'pool=cpu' });
    expect(s.machines.grid.map((t) => t[1])).toEqual(['cpu-1', 'cpu-2']);
    expect(s.tagSets.map((t) => t.tagSetKey)).toEqual(['docker,linux', 'arm']);
    expect(s.unservedTagSets.map((t) => t.tagSetKey)).toEqual(['arm']);
    expect(s.failuresLastHour).toEqual({ jobs: 0, revisions: 1 });

    const gpu = await summary('&label=pool=gpu');
    expect(gpu.machines.grid.map((t) => t[1])).toEqual(['gpu-1']);
    expect(gpu.failuresLastHour).toEqual({ jobs: 1, revisions: 0 });

    // A key alone: every machine with that label, whatever its value.
    const pooled = await summary('&label=pool');
    expect(pooled.machines.grid.map((t) => t[1])).toEqual(['cpu-1', 'cpu-2', 'gpu-1']);
    expect(pooled.failuresLastHour).toEqual({ jobs: 1, revisions: 1 });
  });

  it('refuses a malformed filter or both filters at once', async () => {
    for (const query of ['&tags=a,b&label=pool=gpu', '&label=Pool', '&tags=,']) {
      const res = await ctx.app.inject({
        url: `/api/v1/wall/summary?display=${display}${query}`,
        headers: anonymous,
      });
      expect(res.statusCode, query).toBe(400);
    }
  });

  it('is read with a display token or by a signed-in viewer, and by nobody else', async () => {
    const viewer = await createTestUser(ctx.db.prisma, 'viewer');
    expect(
      (await ctx.app.inject({ url: '/api/v1/wall/summary', headers: { authorization: viewer.bearer } }))
        .statusCode,
    ).toBe(200);
    const session = await createTestSession(ctx.db.prisma, viewer.id);
    expect(
      (await ctx.app.inject({ url: '/api/v1/wall/summary', headers: { cookie: session.cookie } })).statusCode,
    ).toBe(200);
    expect(
      (await ctx.app.inject({ url: '/api/v1/wall/summary', headers: { authorization: `Bearer ${display}` } }))
        .statusCode,
    ).toBe(200);
    expect((await ctx.app.inject({ url: '/api/v1/wall/summary', headers: anonymous })).statusCode).toBe(401);
    expect(
      (
        await ctx.app.inject({
          url: '/api/v1/wall/summary?display=pdw_nope',
          headers: anonymous,
        })
      ).statusCode,
    ).toBe(401);
  });
});

describe('the wall topic of /live', () => {
  let port: number;
  beforeAll(async () => {
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    port = (ctx.app.server.address() as AddressInfo).port;
  });

  async function open() {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/live?display=${display}`);
    const messages: LiveServerMessage[] = [];
    socket.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return { socket, messages };
  }
  const walls = (messages: LiveServerMessage[]) => messages.flatMap((m) => (m.type === 'wall' ? [m] : []));

  it('sends a screen the summary when it subscribes and again, throttled, after machines change', async () => {
    const { socket, messages } = await open();
    const labelled = await open();
    socket.send(JSON.stringify({ type: 'subscribe', topic: 'wall' }));
    labelled.socket.send(JSON.stringify({ type: 'subscribe', topic: 'wall:label=pool=gpu' }));
    await expect.poll(() => walls(messages).length).toBe(1);
    await expect.poll(() => walls(labelled.messages).length).toBe(1);
    expect(walls(messages)[0]!.summary.machines.draining).toBe(1);
    expect(walls(labelled.messages)[0]).toMatchObject({
      topic: 'wall:label=pool=gpu',
      summary: { filter: { label: 'pool=gpu' }, machines: { total: 1 } },
    });

    await ctx.db.prisma.machine.update({ where: { id: ids.gpu1 }, data: { drainingSince: new Date() } });
    // A burst of changes is one push per topic, not one per change.
    for (let i = 0; i < 5; i += 1)
      await ctx.app.events.publish({ topic: 'machines.changed', machineIds: [ids.gpu1!] });
    await expect.poll(() => walls(messages).length, { timeout: 5_000 }).toBe(2);
    expect(walls(messages)[1]!.summary.machines.draining).toBe(2);
    await expect.poll(() => walls(labelled.messages).length, { timeout: 5_000 }).toBe(2);
    expect(walls(labelled.messages)[1]!.summary.machines.grid[0]![2]).toBe('draining');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(walls(messages)).toHaveLength(2);

    socket.close();
    labelled.socket.close();
  });

  it('sends a new summary when heartbeats arrive, which move running jobs', async () => {
    const { socket, messages } = await open();
    socket.send(JSON.stringify({ type: 'subscribe', topic: 'wall' }));
    await expect.poll(() => walls(messages).length).toBe(1);
    await ctx.app.events.publish({ topic: 'machines.status' });
    await expect.poll(() => walls(messages).length, { timeout: 5_000 }).toBe(2);
    socket.close();
  });

  it('refuses wall topics it cannot parse', async () => {
    const { socket, messages } = await open();
    socket.send(JSON.stringify({ type: 'subscribe', topic: 'wall:tags=' }));
    socket.send(JSON.stringify({ type: 'subscribe', topic: 'machine:01930000-0000-7000-8000-000000000000' }));
    await expect.poll(() => messages.filter((m) => m.type === 'error').length).toBe(2);
    socket.close();
  });
});
