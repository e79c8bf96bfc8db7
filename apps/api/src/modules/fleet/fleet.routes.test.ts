/**
 * Fleet trends and concurrency through the REST API, from samples written at known minutes: one-minute buckets
 * over the hour, fifteen-minute buckets over the day, the busiest minute per bucket, gaps as nulls, and a runner's
 * running jobs from GitLab's job data against its machines' limits.
 */
import type { AddressInfo } from 'node:net';
import type { FleetConcurrency, FleetTrends, LiveServerMessage } from '@paddock/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { factories } from '../../../test/support/factories.js';
import { useTestApp } from '../../../test/support/test-db.js';
import { jobsRepository, type GitlabJobInput } from '../jobs/jobs.repository.js';

const ctx = useTestApp();
const MIN = 60_000;
const M0 = Math.floor(Date.now() / MIN) * MIN;
const minute = (offset: number) => new Date(M0 + offset * MIN);
const ids: Record<string, string> = {};

const job = (over: Partial<GitlabJobInput>): GitlabJobInput => ({
  gitlabJobId: Math.floor(Math.random() * 1e9),
  projectId: 7,
  projectPath: 'group/app',
  pipelineId: 1,
  gitlabRunnerId: null,
  name: 'build',
  stage: 'build',
  ref: 'main',
  refProtected: false,
  status: 'running',
  tags: ['docker'],
  failureReason: null,
  webUrl: null,
  queuedAt: null,
  startedAt: null,
  finishedAt: null,
  createdAt: minute(-30),
  ...over,
});

beforeAll(async () => {
  const f = factories(ctx.db, ctx.secrets);
  const gl = await f.gitlabInstance();
  const a = await f.machine({ hostname: 'alpha', connectionState: 'online' });
  const b = await f.machine({ hostname: 'beta', connectionState: 'offline', drainingSince: new Date() });
  await f.machine({ hostname: 'gamma', connectionState: 'never_connected' });
  const runner = await f.runner(gl.id, { gitlabRunnerId: 77, description: 'docker builds' });
  await f.assign(runner.id, a.id, { effectiveLimit: 2 });
  await f.assign(runner.id, b.id, { effectiveLimit: null });
  Object.assign(ids, { a: a.id, b: b.id, runner: runner.id });

  await ctx.db.prisma.fleetSample.createMany({
    data: [
      { at: minute(-2), kind: 'machine', machineId: a.id, running: 1, limit: 4 },
      { at: minute(-2), kind: 'machine', machineId: b.id, running: 2, limit: 2 },
      { at: minute(-1), kind: 'machine', machineId: a.id, running: 4, limit: 4 },
      { at: minute(-120), kind: 'machine', machineId: a.id, running: 3, limit: 8 },
      {
        at: minute(-3),
        kind: 'tag_set',
        tagSetKey: 'docker',
        running: 1,
        pending: 1,
        oldestWaitSeconds: 5,
        waitP50Seconds: 5,
        waitP95Seconds: 5,
      },
      {
        at: minute(-1),
        kind: 'tag_set',
        tagSetKey: 'docker',
        running: 2,
        pending: 3,
        oldestWaitSeconds: 50,
        waitP50Seconds: 10,
        waitP95Seconds: 40,
      },
      {
        at: minute(-1),
        kind: 'tag_set',
        tagSetKey: '',
        running: 0,
        pending: 1,
        oldestWaitSeconds: 100,
        waitP50Seconds: 100,
        waitP95Seconds: 100,
      },
    ],
  });
  await jobsRepository(ctx.db.prisma).upsertSnapshots(gl.id, [
    // still running since three minutes ago
    job({ gitlabRunnerId: 77, startedAt: minute(-3) }),
    // ran from ten to five minutes ago
    job({ gitlabRunnerId: 77, status: 'success', startedAt: minute(-10), finishedAt: minute(-5) }),
    // another runner's job
    job({ gitlabRunnerId: 78, startedAt: minute(-3) }),
  ]);
});

const at = (offset: number) => minute(offset).toISOString();

async function get<T>(url: string): Promise<T> {
  const res = await ctx.app.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

describe('GET /api/v1/fleet/trends', () => {
  it('gives one-minute buckets over the last hour', async () => {
    const t = await get<FleetTrends>('/api/v1/fleet/trends?range=hour');
    expect(t.range).toBe('hour');
    expect(t.bucketSeconds).toBe(60);
    expect(t.capacity).toHaveLength(60);
    const point = (offset: number) => t.capacity.find((p) => p.at === at(offset));
    expect(point(-2)).toEqual({ at: at(-2), running: 3, limit: 6 });
    expect(point(-1)).toEqual({ at: at(-1), running: 4, limit: 4 });
    expect(point(-5)).toEqual({ at: at(-5), running: null, limit: null });
    // two hours ago is outside the hour
    expect(point(-120)).toBeUndefined();
    expect(new Date(t.to).getTime() - new Date(t.from).getTime()).toBe(60 * MIN);
    expect(t.sampledAt).toBe(at(-1));

    // the untagged queue waits longest now, so it comes first
    expect(t.queues.map((q) => q.tagSetKey)).toEqual(['', 'docker']);
    const docker = t.queues[1]!;
    expect(docker.tags).toEqual(['docker']);
    expect(docker.points).toHaveLength(60);
    expect(docker.points.find((p) => p.at === at(-1))).toEqual({
      at: at(-1),
      pending: 3,
      oldestWaitSeconds: 50,
      waitP50Seconds: 10,
      waitP95Seconds: 40,
    });
    expect(docker.points.find((p) => p.at === at(-2))?.pending).toBeNull();

    const count = (status: string) => t.machines.byStatus.find((s) => s.status === status)?.count;
    expect(t.machines.total).toBe(3);
    expect([count('online'), count('offline'), count('never_connected'), count('draining')]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(count('under_pressure')).toBe(0);
  });

  it('gives fifteen-minute buckets over the last day, each its busiest minute', async () => {
    const t = await get<FleetTrends>('/api/v1/fleet/trends?range=day');
    expect(t.bucketSeconds).toBe(900);
    expect(t.capacity).toHaveLength(96);
    expect(new Date(t.to).getTime() - new Date(t.from).getTime()).toBe(24 * 60 * MIN);
    const bucketOf = (offset: number) =>
      new Date(Math.floor((M0 + offset * MIN) / (15 * MIN)) * 15 * MIN).toISOString();
    for (const p of t.capacity) expect(new Date(p.at).getTime() % (15 * MIN)).toBe(0);
    // minutes -2 (3 of 6) and -1 (4 of 4) land in one bucket or two neighbours
    const recent = [...new Set([bucketOf(-2), bucketOf(-1)])].map((b) => t.capacity.find((p) => p.at === b));
    if (recent.length === 1) expect(recent[0]).toMatchObject({ running: 4, limit: 6 });
    else
      expect(recent.map((p) => [p?.running, p?.limit])).toEqual([
        [3, 6],
        [4, 4],
      ]);
    expect(t.capacity.find((p) => p.at === bucketOf(-120))).toMatchObject({ running: 3, limit: 8 });
    const filled = t.capacity.filter((p) => p.running !== null);
    expect(filled.length).toBe(recent.length + 1);
  });

  it('refuses an unknown range', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/fleet/trends?range=week' });
    expect(res.statusCode).toBe(400);
  });
});

describe('GET /api/v1/fleet/concurrency', () => {
  it("gives one machine's running jobs against its limit", async () => {
    const c = await get<FleetConcurrency>(`/api/v1/fleet/concurrency?machineId=${ids.a}&range=hour`);
    expect(c.subject).toEqual({ type: 'machine', id: ids.a, name: 'alpha' });
    expect(c.points).toHaveLength(60);
    expect(c.points.find((p) => p.at === at(-2))).toMatchObject({ running: 1, limit: 4 });
    expect(c.points.find((p) => p.at === at(-1))).toMatchObject({ running: 4, limit: 4 });

    const day = await get<FleetConcurrency>(`/api/v1/fleet/concurrency?machineId=${ids.a}&range=day`);
    expect(day.points).toHaveLength(96);
    expect(
      day.points
        .filter((p) => p.running !== null)
        .map((p) => p.running)
        .sort(),
    ).toContain(3);
  });

  it("gives a runner's running jobs from GitLab against its machines' limits", async () => {
    const c = await get<FleetConcurrency>(`/api/v1/fleet/concurrency?runnerId=${ids.runner}`);
    expect(c.subject).toEqual({ type: 'runner', id: ids.runner, name: 'docker builds' });
    const point = (offset: number) => c.points.find((p) => p.at === at(offset));
    // alpha's 4 capped at the runner's 2, plus beta's 2 (unlimited there)
    expect(point(-2)).toEqual({ at: at(-2), running: 1, limit: 4 });
    expect(point(-1)).toEqual({ at: at(-1), running: 1, limit: 2 });
    expect(point(-3)?.running).toBe(1);
    // between the two jobs
    expect(point(-4)?.running).toBe(0);
    expect(point(-7)).toEqual({ at: at(-7), running: 1, limit: null });
    expect(point(-20)?.running).toBe(0);
  });

  it('wants exactly one of machineId and runnerId, and an existing one', async () => {
    const both = await ctx.app.inject({
      method: 'GET',
      url: `/api/v1/fleet/concurrency?machineId=${ids.a}&runnerId=${ids.runner}`,
    });
    expect(both.statusCode).toBe(400);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/fleet/concurrency' })).statusCode).toBe(400);
    const missing = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/fleet/concurrency?machineId=01930000-0000-7000-8000-000000000000',
    });
    expect(missing.statusCode).toBe(404);
  });
});

describe('the fleet and gitlab topics of /live', () => {
  it('tells subscribers of each new sample, and only them', async () => {
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = ctx.app.server.address() as AddressInfo;
    const open = async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/live`, {
        headers: { authorization: ctx.admin.bearer },
      });
      const messages: LiveServerMessage[] = [];
      socket.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as LiveServerMessage));
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      return { socket, messages };
    };
    const watching = await open();
    const other = await open();
    watching.socket.send(JSON.stringify({ type: 'subscribe', topic: 'fleet' }));
    await expect.poll(() => watching.messages.some((m) => m.type === 'subscribed')).toBe(true);

    // A minute nobody sampled yet: the pass writes it and says so.
    const result = await ctx.app.fleetSampler.sampleNow(minute(5));
    expect(result.written).toBe(true);
    await expect
      .poll(() => watching.messages.find((m) => m.type === 'fleetSampled'))
      .toEqual({ type: 'fleetSampled', at: minute(5).toISOString() });
    // The same minute again writes nothing and tells nobody.
    expect((await ctx.app.fleetSampler.sampleNow(minute(5))).written).toBe(false);
    // Frames arrive in order: once the answer to a later subscription is in, nothing else was sent before it.
    watching.socket.send(JSON.stringify({ type: 'subscribe', topic: 'machines' }));
    await expect
      .poll(() => watching.messages.some((m) => m.type === 'subscribed' && m.topic === 'machines'))
      .toBe(true);
    expect(watching.messages.filter((m) => m.type === 'fleetSampled')).toHaveLength(1);
    expect(other.messages.some((m) => m.type === 'fleetSampled')).toBe(false);
    watching.socket.close();
    other.socket.close();
  });

  it('tells subscribers of the gitlab topic when a GitLab sync run ended', async () => {
    const { port } = ctx.app.server.address() as AddressInfo;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/live`, {
      headers: { authorization: ctx.admin.bearer },
    });
    const messages: LiveServerMessage[] = [];
    socket.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as LiveServerMessage));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'subscribe', topic: 'gitlab' }));
    await expect.poll(() => messages.some((m) => m.type === 'subscribed')).toBe(true);
    const at = new Date().toISOString();
    await ctx.app.events.publish({ topic: 'gitlab.synced', gitlabInstanceId: ids.a!, at });
    await expect
      .poll(() => messages.find((m) => m.type === 'gitlabSynced'))
      .toEqual({ type: 'gitlabSynced', at });
    socket.close();
  });
});
