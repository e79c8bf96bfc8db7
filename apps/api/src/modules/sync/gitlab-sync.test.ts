/**
 * The GitLab sync against the GitLab simulator over real HTTP, on a real database: runners imported, updated and
 * noticed as deleted; runner managers joined to machines; watched jobs listed and followed to their end;
 * pagination; one replica at a time; GitLab failing or rate limiting.
 */
import type { GitlabSyncRun, GitlabSyncStatus, RunnerDetail } from '@paddock/contracts';
import { GitlabSimulator, manualClock, type ManualClock } from '@paddock/gitlab-sim';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { BusEvent } from '../../lib/event-bus.js';
import { buildApp } from '../../app.js';
import { createDatabase } from '../../db/client.js';
import { factories } from '../../../test/support/factories.js';
import { GitlabFront } from '../../../test/support/gitlab-front.js';
import { testEnv, useTestApp } from '../../../test/support/test-db.js';
import { jobsRepository } from '../jobs/jobs.repository.js';
import { nextInTurn, refMatches, type SyncOutcome } from './gitlab-sync.js';

// No waiting on Retry-After here: a 429 fails the request at once.
const ctx = useTestApp({ env: { PADDOCK_GITLAB_MAX_RETRIES: '0' } });
const TOKEN = 'glpat-SyncTestToken1234';
const HOUR = 3_600_000;

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/**
 * A simulated GitLab behind a front (for the routes the simulator lacks), connected to Paddock. Its clock starts
 * an hour back, so runners created before `clock.set(new Date())` are old enough to import.
 */
async function connectedGitlab() {
  const clock: ManualClock = manualClock(new Date(Date.now() - HOUR));
  const sim = new GitlabSimulator({ adminToken: TOKEN, clock });
  await sim.listen();
  const front = new GitlabFront(sim);
  const url = await front.listen();
  closers.push(
    () => sim.close(),
    () => front.close(),
  );
  const f = factories(ctx.db, ctx.secrets);
  const instance = await f.gitlabInstance({
    url,
    accessTokenCiphertext: ctx.secrets.encrypt(TOKEN, 'gitlab-access-token'),
  });
  const newRunner = (input: Parameters<typeof sim.runners.create>[1]) => sim.runners.create(sim.admin, input);
  return { sim, front, clock, instance, f, newRunner };
}

async function sync(instanceId: string): Promise<GitlabSyncRun> {
  const outcome = await ctx.app.gitlabSync.syncInstance(instanceId);
  if (outcome.status !== 'done') throw new Error(`sync skipped: ${outcome.reason}`);
  return outcome.run;
}

const runnerDetail = async (id: string) =>
  (await ctx.app.inject(`/api/v1/runners/${id}`)).json<RunnerDetail>();

const runnersOf = (gitlabInstanceId: string) =>
  ctx.db.prisma.runner.findMany({
    where: { gitlabInstanceId },
    include: { token: true },
    orderBy: { gitlabRunnerId: 'asc' },
  });

describe('GitLab sync: runners', () => {
  it('imports runners Paddock does not have, updates known ones and marks deleted ones', async () => {
    const { sim, clock, instance, f, newRunner } = await connectedGitlab();
    const group = sim.createGroup('Acme');
    const project = sim.createProject({ name: 'shop', groupId: group.id });
    const known = newRunner({ runnerType: 'instance_type', tagList: ['docker'], description: 'docker pool' });
    const groupRunner = newRunner({ runnerType: 'group_type', groupId: group.id, tagList: ['linux'] });
    const projectRunner = newRunner({ runnerType: 'project_type', projectId: project.id, runUntagged: true });
    clock.set(new Date());
    sim.runners.heartbeat(known, { systemId: 's_000000000001', ip: '10.0.0.1' });

    const managed = await f.runner(instance.id, { gitlabRunnerId: known.id, description: 'old text' });
    const goneFromGitlab = await f.runner(instance.id, { gitlabRunnerId: 99_999, gitlabStatus: 'online' });
    const machine = await f.machine();
    await f.assign(goneFromGitlab.id, machine.id);

    const run = await sync(instance.id);
    expect(run.error).toBeNull();
    expect(run.runners).toMatchObject({ listed: 3, updated: 1, imported: 2, deleted: 1 });

    const rows = await runnersOf(instance.id);
    const byGitlabId = new Map(rows.map((r) => [r.gitlabRunnerId, r]));
    expect(byGitlabId.get(known.id)).toMatchObject({
      id: managed.id,
      source: 'managed',
      gitlabStatus: 'online',
      description: 'docker pool',
      tags: ['docker'],
      contactedAt: clock(),
    });
    expect(byGitlabId.get(known.id)!.token).not.toBeNull();
    expect(byGitlabId.get(known.id)!.syncedAt).toBeInstanceOf(Date);
    expect(byGitlabId.get(groupRunner.id)).toMatchObject({
      source: 'imported',
      runnerType: 'group_type',
      groupId: group.id,
      projectId: null,
      tags: ['linux'],
      gitlabStatus: 'never_contacted',
      token: null,
    });
    expect(byGitlabId.get(projectRunner.id)).toMatchObject({
      source: 'imported',
      runnerType: 'project_type',
      projectId: project.id,
      runUntagged: true,
    });
    // Kept with its token and assignment, and shown as deleted.
    const gone = await runnerDetail(goneFromGitlab.id);
    expect(gone).toMatchObject({ gitlabStatus: 'deleted', source: 'managed', machineCount: 1 });
    expect(gone.token).not.toBeNull();
    // ... and no longer counted as a runner that can take jobs, though a host still carries it.
    const matching = await jobsRepository(ctx.db.prisma).runnersForMatching();
    expect(matching.map((r) => r.id)).toContain(managed.id);
    expect(matching.map((r) => r.id)).not.toContain(goneFromGitlab.id);

    sim.runners.update(known, { paused: true, tagList: ['docker', 'arm64'] });
    const second = await sync(instance.id);
    expect(second.runners).toMatchObject({ imported: 0, deleted: 0, updated: 3 });
    expect(await runnerDetail(managed.id)).toMatchObject({
      paused: true,
      gitlabStatus: 'paused',
      tags: ['docker', 'arm64'],
    });

    const stored = await ctx.db.prisma.gitlabInstance.findUniqueOrThrow({ where: { id: instance.id } });
    expect(stored.lastSyncError).toBeNull();
    expect(stored.lastSyncAt?.toISOString()).toBe(second.finishedAt);
  });

  it('leaves a runner GitLab created moments ago for a later run (it may be a registration in progress)', async () => {
    const { instance, clock, newRunner } = await connectedGitlab();
    clock.set(new Date());
    newRunner({ runnerType: 'instance_type', tagList: ['fresh'] });
    const run = await sync(instance.id);
    expect(run.runners).toMatchObject({ listed: 1, imported: 0 });
    expect(await runnersOf(instance.id)).toEqual([]);
  });

  it('follows X-Next-Page at 100 per page: 250 runners take 3 list requests', async () => {
    const { sim, front, clock, instance, newRunner } = await connectedGitlab();
    for (let i = 0; i < 250; i += 1) newRunner({ runnerType: 'instance_type', tagList: [`t${i}`] });
    clock.set(new Date());
    sim.requests.reset();

    const run = await sync(instance.id);
    expect(run.error).toBeNull();
    expect(sim.requests.count('GET /runners/all')).toBe(3);
    const pages = sim.requests.list().filter((r) => r.route === 'GET /runners/all');
    expect(pages.every((r) => r.status === 200)).toBe(true);
    expect(run.runners).toMatchObject({ listed: 250, imported: 250 });
    // Every request the run made is counted: the simulator's and the front's own.
    const frontOwn = Object.values(front.counts).reduce((a, b) => a + b, 0);
    expect(run.requests).toBe(sim.requests.count() + frontOwn);
    expect(await ctx.db.prisma.runner.count({ where: { gitlabInstanceId: instance.id } })).toBe(250);

    // Settings of known runners are read a bounded number per run, in turn.
    sim.requests.reset();
    const next = await sync(instance.id);
    expect(next.runners.detailsRead).toBe(50);
    expect(sim.requests.count('GET /runners/:id')).toBe(50);
    // None of them has contacted GitLab yet, so none has a manager to read.
    expect(sim.requests.count('GET /runners/:id/managers')).toBe(0);
  });
});

describe('GitLab sync: runner managers', () => {
  it('stores managers joined to machines by system_id, and shows hosts on either side without a match', async () => {
    const { sim, clock, instance, f, newRunner } = await connectedGitlab();
    const gitlabRunner = newRunner({ runnerType: 'instance_type', tagList: ['docker'] });
    clock.set(new Date());
    const runner = await f.runner(instance.id, { gitlabRunnerId: gitlabRunner.id });
    const reporting = await f.machine({ systemId: 's_aaaaaaaaaaaa', hostname: 'build-1' });
    const silent = await f.machine({ systemId: 's_bbbbbbbbbbbb', hostname: 'build-2' });
    await f.assign(runner.id, reporting.id);
    await f.assign(runner.id, silent.id);
    sim.runners.heartbeat(gitlabRunner, {
      systemId: 's_aaaaaaaaaaaa',
      ip: '10.0.0.7',
      info: { version: '18.4.0', platform: 'linux', architecture: 'amd64' },
    });
    sim.runners.heartbeat(gitlabRunner, { systemId: 'r_zzzzzzzzzzzz', ip: '10.9.9.9' });
    // Registered in GitLab, never started anywhere: no manager to read.
    const unused = newRunner({ runnerType: 'instance_type', tagList: ['spare'] });
    await f.runner(instance.id, { gitlabRunnerId: unused.id });

    sim.requests.reset();
    const run = await sync(instance.id);
    expect(run.managers).toMatchObject({ runnersRead: 1, stored: 2, linked: 1 });
    expect(sim.requests.count('GET /runners/:id/managers')).toBe(1);
    const detail = await runnerDetail(runner.id);
    expect(detail.managers).toEqual([
      expect.objectContaining({
        systemId: 'r_zzzzzzzzzzzz',
        ipAddress: '10.9.9.9',
        status: 'online',
        machine: null,
      }),
      expect.objectContaining({
        systemId: 's_aaaaaaaaaaaa',
        version: '18.4.0',
        platform: 'linux',
        architecture: 'amd64',
        machine: { id: reporting.id, hostname: 'build-1' },
      }),
    ]);
    expect(detail.machinesWithoutManager).toEqual([
      { machineId: silent.id, hostname: 'build-2', systemId: 's_bbbbbbbbbbbb' },
    ]);
    expect(detail.contactedAt).toBe(clock().toISOString());

    // gitlab-runner unregistered on the unknown host: GitLab drops the manager, and so does Paddock.
    sim.runners.deleteManager(gitlabRunner, 'r_zzzzzzzzzzzz');
    await sync(instance.id);
    expect((await runnerDetail(runner.id)).managers.map((m) => m.systemId)).toEqual(['s_aaaaaaaaaaaa']);
  });
});

describe('GitLab sync: jobs', () => {
  it('stores pending and running jobs of watched projects and groups, and follows them to their end', async () => {
    const { sim, front, clock, instance, f, newRunner } = await connectedGitlab();
    clock.set(new Date());
    const group = sim.createGroup('Acme');
    const web = sim.createProject({ name: 'web', groupId: group.id, protectedRefs: ['main', 'release/*'] });
    const api = sim.createProject({ name: 'api', groupId: group.id });
    const other = sim.createGroup('Other');
    const tools = sim.createProject({ name: 'tools', groupId: other.id });
    const ignored = sim.createProject({ name: 'ignored', groupId: other.id });
    const pipeline = (projectId: number, ref: string, tags: string[]) =>
      sim.store.jobsOfPipeline(
        sim.createPipeline({ projectId, ref, jobs: [{ name: 'build', stage: 'build', tags }] }).id,
      )[0]!;
    const webRelease = pipeline(web.id, 'release/1.2', ['docker']);
    const webFeature = pipeline(web.id, 'feature/x', ['docker']);
    const apiJob = pipeline(api.id, 'main', ['gpu']);
    const toolsJob = pipeline(tools.id, 'main', []);
    pipeline(ignored.id, 'main', ['docker']);
    await ctx.db.prisma.watchedScope.createMany({
      data: [
        { gitlabInstanceId: instance.id, kind: 'group', gitlabId: group.id, fullPath: 'acme' },
        { gitlabInstanceId: instance.id, kind: 'project', gitlabId: tools.id },
      ],
    });

    const first = await sync(instance.id);
    expect(first.error).toBeNull();
    expect(first.jobs).toMatchObject({ projects: 3, listed: 4, reread: 0, scopeErrors: [] });
    expect(front.counts['GET /groups/:id/projects']).toBe(1);
    const snapshots = async () =>
      new Map(
        (await ctx.db.prisma.jobSnapshot.findMany({ where: { gitlabInstanceId: instance.id } })).map((j) => [
          Number(j.gitlabJobId),
          j,
        ]),
      );
    let jobs = await snapshots();
    expect([...jobs.keys()].sort()).toEqual([webRelease.id, webFeature.id, apiJob.id, toolsJob.id].sort());
    expect(jobs.get(webRelease.id)).toMatchObject({
      status: 'pending',
      projectId: web.id,
      projectPath: 'acme/web',
      ref: 'release/1.2',
      refProtected: true,
      tags: ['docker'],
      tagSetKey: 'docker',
    });
    expect(jobs.get(webFeature.id)!.refProtected).toBe(false);
    // The project's default protected ref is its default branch.
    expect(jobs.get(apiJob.id)).toMatchObject({ refProtected: true, projectPath: 'acme/api' });
    expect(jobs.get(toolsJob.id)).toMatchObject({ projectPath: 'other/tools', tags: [] });

    // One job starts on a runner Paddock knows, another finishes, a third is cancelled.
    const gitlabRunner = newRunner({ runnerType: 'instance_type', tagList: ['docker'] });
    const runner = await f.runner(instance.id, { gitlabRunnerId: gitlabRunner.id });
    const started = sim.ci.assignJob(gitlabRunner, sim.runners.heartbeat(gitlabRunner, { ip: '10.0.0.2' }));
    expect(started?.id).toBe(webRelease.id);
    sim.ci.finish(sim.job(webFeature.id)!, 'failed', 'script_failure');
    sim.cancelJob(toolsJob.id);

    const second = await sync(instance.id);
    expect(second.jobs).toMatchObject({ listed: 2, reread: 2 });
    jobs = await snapshots();
    expect(jobs.get(webRelease.id)).toMatchObject({ status: 'running', runnerId: runner.id });
    expect(jobs.get(webRelease.id)!.startedAt).toBeInstanceOf(Date);
    expect(jobs.get(webFeature.id)).toMatchObject({ status: 'failed', failureReason: 'script_failure' });
    expect(jobs.get(webFeature.id)!.finishedAt).toBeInstanceOf(Date);
    expect(jobs.get(toolsJob.id)).toMatchObject({ status: 'canceled' });

    // Finished snapshots are not read again.
    sim.requests.reset();
    const third = await sync(instance.id);
    expect(third.jobs.reread).toBe(0);
    expect(sim.requests.count('GET /projects/:id/jobs/:job_id')).toBe(0);
  });

  it('pages through a project with more than 100 pending jobs', async () => {
    const { sim, clock, instance } = await connectedGitlab();
    clock.set(new Date());
    const project = sim.createProject({ name: 'mono', groupId: sim.createGroup('Big').id });
    sim.createPipeline({
      projectId: project.id,
      ref: 'main',
      jobs: Array.from({ length: 130 }, (_, i) => ({ name: `test ${i}`, stage: 'test', tags: ['docker'] })),
    });
    await ctx.db.prisma.watchedScope.create({
      data: { gitlabInstanceId: instance.id, kind: 'project', gitlabId: project.id, fullPath: 'big/mono' },
    });
    sim.requests.reset();
    const run = await sync(instance.id);
    expect(run.jobs.listed).toBe(130);
    expect(sim.requests.count('GET /projects/:id/jobs')).toBe(2);
    expect(await ctx.db.prisma.jobSnapshot.count({ where: { gitlabInstanceId: instance.id } })).toBe(130);
  });

  it('reports a watched project GitLab does not have, and syncs the rest', async () => {
    const { sim, clock, instance } = await connectedGitlab();
    clock.set(new Date());
    const project = sim.createProject({ name: 'real', groupId: sim.createGroup('G').id });
    sim.createPipeline({ projectId: project.id, ref: 'main', jobs: [{ name: 'a', stage: 'build' }] });
    await ctx.db.prisma.watchedScope.createMany({
      data: [
        { gitlabInstanceId: instance.id, kind: 'project', gitlabId: project.id },
        { gitlabInstanceId: instance.id, kind: 'project', gitlabId: 424_242, fullPath: 'gone/away' },
      ],
    });
    const run = await sync(instance.id);
    expect(run.error).toBeNull();
    expect(run.jobs.listed).toBe(1);
    expect(run.jobs.scopeErrors).toEqual([expect.stringMatching(/^project gone\/away: .*404/)]);
  });
});

describe('GitLab sync: one replica at a time', () => {
  it('announces each run it made, and none it skipped', async () => {
    const { instance } = await connectedGitlab();
    const heard: BusEvent[] = [];
    const stop = ctx.app.events.subscribe((event) => {
      if (event.topic === 'gitlab.synced') heard.push(event);
    });
    try {
      const run = await sync(instance.id);
      expect(heard).toEqual([{ topic: 'gitlab.synced', gitlabInstanceId: instance.id, at: run.finishedAt }]);
      const other = await ctx.db.pool.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1, hashtext($2))', [0x676c7379, instance.id]);
        expect((await ctx.app.gitlabSync.syncInstance(instance.id)).status).toBe('skipped');
      } finally {
        await other.query('SELECT pg_advisory_unlock_all()');
        other.release();
      }
      expect(heard).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it('skips a GitLab whose lock another replica holds, and runs once it is free', async () => {
    const { sim, instance } = await connectedGitlab();
    const other = await ctx.db.pool.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1, hashtext($2))', [0x676c7379, instance.id]);
      sim.requests.reset();
      const outcome = await ctx.app.gitlabSync.syncInstance(instance.id);
      expect(outcome).toEqual({ status: 'skipped', reason: 'locked' });
      expect(sim.requests.count()).toBe(0);
      const res = await ctx.app.inject({
        method: 'POST',
        url: `/api/v1/gitlab-instances/${instance.id}/sync`,
      });
      expect(res.statusCode).toBe(409);
    } finally {
      await other.query('SELECT pg_advisory_unlock_all()');
      other.release();
    }
    expect((await ctx.app.gitlabSync.syncInstance(instance.id)).status).toBe('done');
  });

  it('lets only one of two API processes sync a GitLab at once', async () => {
    const { front, instance } = await connectedGitlab();
    const secondDb = createDatabase({ connectionString: ctx.url, maxConnections: 4 });
    const second = await buildApp({ env: ctx.env, db: secondDb, secrets: ctx.secrets, logger: false });
    closers.push(async () => {
      await second.close();
      await secondDb.close();
    });

    front.hold((method, path) => method === 'GET' && path === '/runners/all');
    const first: Promise<SyncOutcome> = ctx.app.gitlabSync.syncInstance(instance.id);
    await front.someoneHeld();
    const meanwhile = await second.gitlabSync.syncInstance(instance.id);
    expect(meanwhile).toEqual({ status: 'skipped', reason: 'locked' });
    // The same process asking again joins the run under way.
    expect(ctx.app.gitlabSync.syncInstance(instance.id)).toBe(first);
    const running = await ctx.app.inject(`/api/v1/gitlab-instances/${instance.id}/sync`);
    expect(running.json<GitlabSyncStatus>().running).toBe(true);
    front.release();
    expect((await first).status).toBe('done');
  });
});

describe('GitLab sync: GitLab failing', () => {
  it('records a 5xx as the run error, deletes nothing, and recovers on the next run', async () => {
    const { sim, clock, instance, f, newRunner } = await connectedGitlab();
    const gitlabRunner = newRunner({ runnerType: 'instance_type', tagList: ['docker'] });
    clock.set(new Date());
    const runner = await f.runner(instance.id, { gitlabRunnerId: gitlabRunner.id });
    const ok = await sync(instance.id);

    sim.faults.failNext(1, 503, { route: 'GET /runners/all' });
    const failed = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/gitlab-instances/${instance.id}/sync`,
    });
    expect(failed.statusCode).toBe(200);
    expect(failed.json<GitlabSyncRun>().error).toMatch(/GET \/runners\/all.*503/);
    const status = (
      await ctx.app.inject(`/api/v1/gitlab-instances/${instance.id}/sync`)
    ).json<GitlabSyncStatus>();
    expect(status).toMatchObject({
      lastSyncAt: ok.finishedAt,
      lastSyncError: expect.stringMatching(/503/),
      lastRun: { error: expect.stringMatching(/503/) },
      intervalMs: 0,
      running: false,
    });
    expect(await runnerDetail(runner.id)).toMatchObject({ gitlabStatus: 'never_contacted' });

    const recovered = await sync(instance.id);
    expect(recovered.error).toBeNull();
    const instanceRow = (await ctx.app.inject(`/api/v1/gitlab-instances/${instance.id}`)).json();
    expect(instanceRow).toMatchObject({ lastSyncError: null, lastSyncAt: recovered.finishedAt });
  });

  it('marks no runner deleted when rate limited in the middle of the list', async () => {
    const { sim, clock, instance, f, newRunner } = await connectedGitlab();
    const created = Array.from({ length: 150 }, () => newRunner({ runnerType: 'instance_type' }));
    clock.set(new Date());
    // Paddock knows a runner on the second page only.
    const last = await f.runner(instance.id, { gitlabRunnerId: created.at(-1)!.id, gitlabStatus: 'online' });
    sim.faults.rateLimit({ limit: 1, periodSeconds: 3600 });
    sim.requests.reset();

    const run = await sync(instance.id);
    expect(run.error).toMatch(/rate limiting/);
    expect(sim.requests.count('GET /runners/all')).toBe(2);
    expect(await runnerDetail(last.id)).toMatchObject({ gitlabStatus: 'online' });
    expect(await ctx.db.prisma.runner.count({ where: { gitlabInstanceId: instance.id } })).toBe(1);

    sim.faults.clear();
    const next = await sync(instance.id);
    expect(next.runners).toMatchObject({ listed: 150, imported: 149, deleted: 0 });
  });

  it('keeps pending snapshots as they were when GitLab fails while listing jobs', async () => {
    const { sim, clock, instance } = await connectedGitlab();
    clock.set(new Date());
    const project = sim.createProject({ name: 'p', groupId: sim.createGroup('G').id });
    const [job] = sim.store.jobsOfPipeline(
      sim.createPipeline({ projectId: project.id, ref: 'main', jobs: [{ name: 'a', stage: 'build' }] }).id,
    );
    await ctx.db.prisma.watchedScope.create({
      data: { gitlabInstanceId: instance.id, kind: 'project', gitlabId: project.id },
    });
    await sync(instance.id);
    sim.cancelJob(job!.id);

    sim.faults.failNext(1, 500, { route: 'GET /projects/:id/jobs' });
    const failed = await sync(instance.id);
    expect(failed.error).toMatch(/500/);
    expect(sim.requests.count('GET /projects/:id/jobs/:job_id')).toBe(0);
    const snapshot = () =>
      ctx.db.prisma.jobSnapshot.findFirstOrThrow({ where: { gitlabInstanceId: instance.id } });
    expect((await snapshot()).status).toBe('pending');

    await sync(instance.id);
    expect((await snapshot()).status).toBe('canceled');
  });
});

describe('GitLab sync: the periodic worker', () => {
  it('syncs every connected GitLab once the app is ready, and stops when it closes', async () => {
    const { sim, clock, instance, newRunner } = await connectedGitlab();
    newRunner({ runnerType: 'instance_type', tagList: ['periodic'] });
    clock.set(new Date());
    const db = createDatabase({ connectionString: ctx.url, maxConnections: 4 });
    const app = await buildApp({
      env: testEnv({ PADDOCK_GITLAB_SYNC_INTERVAL_MS: '3600000' }),
      db,
      secrets: ctx.secrets,
      logger: false,
    });
    try {
      await app.ready();
      await vi.waitFor(
        async () => {
          const row = await ctx.db.prisma.gitlabInstance.findUniqueOrThrow({ where: { id: instance.id } });
          expect(row.lastSyncAt).not.toBeNull();
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(await ctx.db.prisma.runner.count({ where: { gitlabInstanceId: instance.id } })).toBe(1);
    } finally {
      await app.close();
      await db.close();
    }
    sim.requests.reset();
    expect(await app.gitlabSync.syncInstance(instance.id)).toEqual({ status: 'skipped', reason: 'stopping' });
    expect(sim.requests.count()).toBe(0);
  });
});

describe('GitLab sync: helpers', () => {
  it('matches protected refs as GitLab does: exact names, or * for any characters', () => {
    expect(refMatches('main', 'main')).toBe(true);
    expect(refMatches('main', 'main2')).toBe(false);
    expect(refMatches('release/*', 'release/1.2')).toBe(true);
    expect(refMatches('release/*', 'release/1.2/hotfix')).toBe(true);
    expect(refMatches('release/*', 'prerelease/1')).toBe(false);
    expect(refMatches('v*.x', 'v1.2.x')).toBe(true);
    expect(refMatches('v1.*', 'v12')).toBe(false);
  });

  it('reads runner settings in turn, wrapping around', () => {
    const runners = [5, 1, 9, 3].map((gitlabRunnerId) => ({ gitlabRunnerId }));
    const ids = (list: Array<{ gitlabRunnerId: number }>) => list.map((r) => r.gitlabRunnerId);
    expect(ids(nextInTurn(runners, 0, 2))).toEqual([1, 3]);
    expect(ids(nextInTurn(runners, 3, 2))).toEqual([5, 9]);
    expect(ids(nextInTurn(runners, 9, 3))).toEqual([1, 3, 5]);
    expect(ids(nextInTurn(runners, 5, 10))).toEqual([9, 1, 3, 5]);
  });
});
