/**
 * Job queues and stuck reasons through the REST API on a real database: snapshots stored as the GitLab sync
 * stores them, runners with hosts online, paused, protected-only or full, and each reason shown where it applies.
 */
import type { Job, TagSetQueueList } from '@paddock/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../app.js';
import { authenticateInjects } from '../../../test/support/auth.js';
import { factories } from '../../../test/support/factories.js';
import { testEnv, useTestApp } from '../../../test/support/test-db.js';
import { jobsRepository, type GitlabJobInput } from './jobs.repository.js';

const ctx = useTestApp();
let app: App;
let instanceId: string;

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
let nextJobId = 500;
const gitlabJob = (over: Partial<GitlabJobInput>): GitlabJobInput => ({
  gitlabJobId: nextJobId++,
  projectId: 42,
  projectPath: 'platform/api',
  pipelineId: 9,
  gitlabRunnerId: null,
  name: 'test',
  stage: 'test',
  ref: 'feature/x',
  refProtected: false,
  status: 'pending',
  tags: ['docker'],
  failureReason: null,
  webUrl: null,
  queuedAt: minutesAgo(5),
  startedAt: null,
  finishedAt: null,
  createdAt: minutesAgo(6),
  ...over,
});

beforeAll(async () => {
  app = await buildApp({ env: testEnv(), db: ctx.db, secrets: ctx.secrets, logger: false });
  authenticateInjects(app, ctx.admin.bearer);
  const f = factories(ctx.db, ctx.secrets);
  const gl = await f.gitlabInstance({ url: 'https://gitlab.jobs.example.com' });
  instanceId = gl.id;
  const online = await f.machine({ hostname: 'online-1', connectionState: 'online' });
  const offline = await f.machine({ hostname: 'offline-1', connectionState: 'offline' });
  // docker: one host online with room for 2 jobs.
  const docker = await f.runner(gl.id, { tags: ['docker'], gitlabRunnerId: 1 });
  await f.assign(docker.id, online.id, { effectiveLimit: 2 });
  // gpu: only on a host that is offline.
  const gpu = await f.runner(gl.id, { tags: ['gpu'], gitlabRunnerId: 2 });
  await f.assign(gpu.id, offline.id, { effectiveLimit: 1 });
  // arm: online but paused.
  const arm = await f.runner(gl.id, { tags: ['arm'], paused: true, gitlabRunnerId: 3 });
  await f.assign(arm.id, online.id, { effectiveLimit: 1 });
  // deploy: protected refs only.
  const deploy = await f.runner(gl.id, { tags: ['deploy'], accessLevel: 'ref_protected', gitlabRunnerId: 4 });
  await f.assign(deploy.id, online.id, { effectiveLimit: 1 });
  // small: room for one job, and it is running one.
  const small = await f.runner(gl.id, { tags: ['small'], gitlabRunnerId: 5 });
  await f.assign(small.id, online.id, { effectiveLimit: 1 });

  const repo = jobsRepository(ctx.db.prisma);
  const written = await repo.upsertSnapshots(gl.id, [
    gitlabJob({ tags: ['docker'], queuedAt: minutesAgo(2) }),
    gitlabJob({
      tags: ['docker'],
      status: 'running',
      gitlabRunnerId: 1,
      startedAt: minutesAgo(1),
      queuedAt: minutesAgo(3),
    }),
    gitlabJob({ tags: ['gpu'], queuedAt: minutesAgo(30) }),
    gitlabJob({ tags: ['arm'] }),
    gitlabJob({ tags: ['deploy'], ref: 'feature/y' }),
    gitlabJob({ tags: ['deploy'], ref: 'main', refProtected: true }),
    gitlabJob({ tags: ['small'], status: 'running', gitlabRunnerId: 5, startedAt: minutesAgo(1) }),
    gitlabJob({ tags: ['small'] }),
    // Finished long ago: neither in queues nor in percentiles.
    gitlabJob({ tags: ['docker'], status: 'success', startedAt: minutesAgo(600), queuedAt: minutesAgo(601) }),
  ]);
  expect(written).toBe(9);
});

async function pending(query = ''): Promise<Job[]> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/jobs?status=pending${query}` });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: Job[] }>().items;
}

describe('jobs', () => {
  it('flags each stuck pending job with its reason, and leaves startable ones alone', async () => {
    const byTags = new Map((await pending()).map((j) => [`${j.tagSetKey}@${j.ref}`, j]));
    expect(byTags.get('docker@feature/x')!.stuckReason).toBeNull();
    expect(byTags.get('gpu@feature/x')!.stuckReason).toBe('no_runner_with_tags');
    expect(byTags.get('arm@feature/x')!.stuckReason).toBe('all_matching_paused');
    expect(byTags.get('deploy@feature/y')!.stuckReason).toBe('protected_runners_only');
    expect(byTags.get('deploy@main')!.stuckReason).toBeNull();
    expect(byTags.get('small@feature/x')!.stuckReason).toBe('all_matching_at_capacity');
    expect(byTags.get('gpu@feature/x')!.stuckText).toBe('No online runner has these tags.');
  });

  it('filters by tag set and by stuck, oldest first', async () => {
    expect((await pending('&stuck=true')).map((j) => j.tagSetKey)).toEqual(['gpu', 'arm', 'deploy', 'small']);
    expect((await pending('&tagSet=docker')).map((j) => j.status)).toEqual(['pending']);
    const running = await app.inject({ method: 'GET', url: '/api/v1/jobs?status=running' });
    expect(running.json<{ items: Job[] }>().items.map((j) => [j.tagSetKey, j.waitSeconds])).toEqual([
      ['small', 240],
      ['docker', 120],
    ]);
  });

  it('groups queues by tag set with waits and stuck counts, longest wait first', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/jobs/queues' });
    expect(res.statusCode).toBe(200);
    const body = res.json<TagSetQueueList>();
    expect(body.updatedAt).not.toBeNull();
    expect(body.items[0]).toMatchObject({ tagSetKey: 'gpu', pending: 1, stuck: { no_runner_with_tags: 1 } });
    expect(body.items[0]!.oldestWaitSeconds).toBeGreaterThanOrEqual(30 * 60 - 5);
    const docker = body.items.find((q) => q.tagSetKey === 'docker')!;
    expect(docker).toMatchObject({ pending: 1, running: 1, stuck: {} });
    // Waits: 120 s (pending so far) and 120 s (the running job waited 2 minutes).
    expect(docker.waitP50Seconds).toBeGreaterThanOrEqual(119);
  });

  it('rejects bad filters with the field named', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/jobs?status=done' });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain('status');
  });

  it('updates a snapshot in place when GitLab reports the job again', async () => {
    const repo = jobsRepository(ctx.db.prisma);
    const job = gitlabJob({ tags: ['docker'] });
    await repo.upsertSnapshots(instanceId, [job]);
    await repo.upsertSnapshots(instanceId, [
      { ...job, status: 'running', gitlabRunnerId: 1, startedAt: new Date() },
    ]);
    const rows = await ctx.db.prisma.jobSnapshot.findMany({
      where: { gitlabJobId: BigInt(job.gitlabJobId) },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('running');
    expect(rows[0]!.runnerId).not.toBeNull();
  });
});

describe('running jobs and their machines', () => {
  it('places a running job on the machine whose system_id GitLab names as its runner manager', async () => {
    const f = factories(ctx.db, ctx.secrets);
    const host = await f.machine({
      hostname: 'builder-7',
      systemId: 's_builder00007',
      connectionState: 'online',
    });
    const repo = jobsRepository(ctx.db.prisma);
    const job = gitlabJob({
      name: 'placed',
      status: 'running',
      gitlabRunnerId: 1,
      runnerSystemId: 's_builder00007',
      startedAt: new Date(),
    });
    await repo.upsertSnapshots(instanceId, [job]);
    // A later read without the manager (an older GitLab) keeps what was known.
    await repo.upsertSnapshots(instanceId, [{ ...job, runnerSystemId: null }]);
    const res = await app.inject({ method: 'GET', url: '/api/v1/jobs?status=running' });
    const placed = res.json<{ items: Job[] }>().items.find((j) => j.name === 'placed')!;
    expect(placed).toMatchObject({ machineId: host.id, machineHostname: 'builder-7' });
  });
});

describe('watched scopes', () => {
  it('adds, lists and removes projects and groups, refusing duplicates and unknown instances', async () => {
    const url = `/api/v1/gitlab-instances/${instanceId}/watched-scopes`;
    const created = await app.inject({ method: 'POST', url, payload: { kind: 'project', gitlabId: 42 } });
    expect(created.statusCode).toBe(201);
    const again = await app.inject({ method: 'POST', url, payload: { kind: 'project', gitlabId: 42 } });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].path).toBe('body.gitlabId');
    await app.inject({ method: 'POST', url, payload: { kind: 'group', gitlabId: 7, fullPath: 'platform' } });
    const list = await app.inject({ method: 'GET', url });
    expect(list.json().items.map((s: { kind: string }) => s.kind)).toEqual(['project', 'group']);

    const bad = await app.inject({ method: 'POST', url, payload: { kind: 'user', gitlabId: 0 } });
    expect(bad.statusCode).toBe(400);
    const missing = await app.inject({
      method: 'GET',
      url: '/api/v1/gitlab-instances/0190f1a2-0000-7000-8000-000000000099/watched-scopes',
    });
    expect(missing.statusCode).toBe(404);

    const removed = await app.inject({ method: 'DELETE', url: `${url}/${created.json().id}` });
    expect(removed.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url })).json().items).toHaveLength(1);
  });
});

describe("each runner's matching facts", () => {
  it('counts running jobs per runner and sums the limits of its connected, undrained hosts', async () => {
    const f = factories(ctx.db, ctx.secrets);
    // A GitLab of its own: its runner ids cannot collide with those of the queue fixtures above.
    const gl = await f.gitlabInstance({ url: 'https://gitlab.matching.example.com' });
    const a = await f.machine({ connectionState: 'online' });
    const b = await f.machine({ connectionState: 'online' });
    const off = await f.machine({ connectionState: 'offline' });
    const draining = await f.machine({ connectionState: 'online', drainingSince: new Date() });
    const runner = async (
      gitlabRunnerId: number,
      gitlabStatus: string | null,
      limits: Array<[string, number | null]>,
    ) => {
      const r = await f.runner(gl.id, { gitlabRunnerId, gitlabStatus });
      for (const [machineId, effectiveLimit] of limits) await f.assign(r.id, machineId, { effectiveLimit });
      return r.id;
    };
    const ids = {
      busy: await runner(11, 'online', [
        [a.id, 2],
        [b.id, 3],
        [off.id, 7],
        [draining.id, 9],
      ]),
      one: await runner(12, 'online', [[a.id, 1]]),
      idle: await runner(13, 'online', [[a.id, 4]]),
      unlimited: await runner(14, 'online', [
        [a.id, null],
        [b.id, 2],
      ]),
      offline: await runner(15, 'offline', [
        [off.id, 1],
        [draining.id, 1],
      ]),
      imported: await runner(16, 'online', []),
      deleted: await runner(17, 'deleted', [[a.id, 4]]),
    };
    const running = (gitlabRunnerId: number, n: number) =>
      Array.from({ length: n }, () =>
        gitlabJob({ status: 'running', gitlabRunnerId, startedAt: minutesAgo(1) }),
      );
    await jobsRepository(ctx.db.prisma).upsertSnapshots(gl.id, [
      ...running(11, 3),
      ...running(12, 1),
      ...running(14, 2),
      ...running(15, 1),
      ...running(16, 4),
      ...running(17, 1),
      // Neither pending nor finished jobs count as running.
      gitlabJob({ gitlabRunnerId: 13 }),
      gitlabJob({
        status: 'success',
        gitlabRunnerId: 13,
        startedAt: minutesAgo(20),
        finishedAt: minutesAgo(10),
      }),
    ]);

    const facts = new Map(
      (await jobsRepository(ctx.db.prisma).runnersForMatching()).map((r) => [
        r.id,
        { online: r.online, running: r.running, capacity: r.capacity },
      ]),
    );
    expect(facts.get(ids.busy)).toEqual({ online: true, running: 3, capacity: 5 });
    expect(facts.get(ids.one)).toEqual({ online: true, running: 1, capacity: 1 });
    expect(facts.get(ids.idle)).toEqual({ online: true, running: 0, capacity: 4 });
    // One connected host without a limit leaves the runner without one.
    expect(facts.get(ids.unlimited)).toEqual({ online: true, running: 2, capacity: null });
    // No connected, undrained host: online only as GitLab says, with no capacity Paddock knows of.
    expect(facts.get(ids.offline)).toEqual({ online: false, running: 1, capacity: null });
    expect(facts.get(ids.imported)).toEqual({ online: true, running: 4, capacity: null });
    expect(facts.has(ids.deleted)).toBe(false);
  });
});
