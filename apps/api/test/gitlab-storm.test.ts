/**
 * GitLab answering storms of 5xx and 429 (issue 8, point 2): runners registered during a storm are either
 * registered in both GitLab and Paddock or in neither (no orphan runner in GitLab, counted on both sides after
 * every step); each retry after a 429 waits the `Retry-After` GitLab asked for (measured between the requests in
 * the simulator's own log); and the periodic sync records each failed run, then resumes and catches up on what
 * changed in GitLab meanwhile once the storm ends.
 */
import { randomUUID } from 'node:crypto';
import { GitlabSimulator, type RequestRecord } from '@paddock/gitlab-sim';
import { RegisterRunnerBody } from '@paddock/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/db/client.js';
import { machinesRepository } from '../src/modules/machines/machines.repository.js';
import { runnerRegistrationService } from '../src/modules/runners/runner-registration.js';
import { runnersRepository } from '../src/modules/runners/runners.repository.js';
import { syncWorker } from '../src/modules/sync/sync-worker.js';
import { factories } from './support/factories.js';
import { useTestApp } from './support/test-db.js';

const ctx = useTestApp();
/** The GitLab runners are registered in. */
const gitlab = new GitlabSimulator({ seed: 81 });
/**
 * The GitLab the sync reads. Its clock runs two minutes behind, so runners made during the test are old enough
 * for the sync to import (it leaves runners younger than a minute alone: they may be registrations under way).
 */
const synced = new GitlabSimulator({ seed: 82, clock: () => new Date(Date.now() - 120_000) });
const ids = { registering: '', syncing: '', machine: '', sideBySide: [] as string[] };
const CREATE = 'POST /user/runners';
const DELETE = 'DELETE /runners/:id';

beforeAll(async () => {
  await gitlab.listen();
  await synced.listen();
  const f = factories(ctx.db, ctx.secrets);
  const token = (sim: GitlabSimulator) => ctx.secrets.encrypt(sim.adminToken, 'gitlab-access-token');
  ids.registering = (await f.gitlabInstance({ url: gitlab.url, accessTokenCiphertext: token(gitlab) })).id;
  ids.syncing = (await f.gitlabInstance({ url: synced.url, accessTokenCiphertext: token(synced) })).id;
  ids.machine = (await f.machine()).id;
  for (let i = 0; i < 10; i++) ids.sideBySide.push((await f.machine()).id);
});
afterAll(async () => {
  await gitlab.close();
  await synced.close();
});
beforeEach(() => {
  gitlab.faults.clear();
  gitlab.requests.reset();
});

const body = (description: string, machineId = ids.machine) => ({
  gitlabInstanceId: ids.registering,
  runnerType: 'instance_type',
  description,
  tags: ['docker'],
  executor: { name: 'shell', settings: {} },
  limits: { limitMode: 'per_machine', limit: 2 },
  machines: { ids: [machineId] },
});

const register = (description: string, machineId?: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/runners', payload: body(description, machineId) });

/** GitLab's runners and Paddock's, by GitLab id: the same set, or someone holds an orphan. */
async function expectNoOrphans() {
  const inGitlab = [...gitlab.store.runners.keys()].sort((a, b) => a - b);
  const inPaddock = (
    await ctx.db.prisma.runner.findMany({
      where: { gitlabInstanceId: ids.registering },
      select: { gitlabRunnerId: true },
    })
  )
    .map((r) => r.gitlabRunnerId)
    .sort((a, b) => a - b);
  expect(inPaddock).toEqual(inGitlab);
}

/** Milliseconds between each request of `route` and the one before it. */
function gaps(route: string): Array<{ after: number; ms: number }> {
  const list: RequestRecord[] = gitlab.requests.list().filter((r) => r.route === route);
  return list
    .slice(1)
    .map((r, i) => ({ after: list[i]!.status, ms: r.at.getTime() - list[i]!.at.getTime() }));
}

describe('registering runners while GitLab throttles', () => {
  it('waits the Retry-After GitLab asks for before each retry, then registers', async () => {
    gitlab.faults.rateLimitNext(3, 1, { route: CREATE });
    const res = await register('throttled');
    expect(res.statusCode, res.body).toBe(201);
    expect(
      gitlab.requests
        .list()
        .filter((r) => r.route === CREATE)
        .map((r) => r.status),
    ).toEqual([429, 429, 429, 201]);
    // Each retry came at least a second (Retry-After: 1) after the 429 before it: never sooner.
    for (const gap of gaps(CREATE)) expect(gap.ms).toBeGreaterThanOrEqual(1000);
    await expectNoOrphans();
  });

  it('gives up with 503 when GitLab keeps throttling, having created nothing', async () => {
    gitlab.faults.rateLimitNext(10, 1, { route: CREATE });
    const before = gitlab.store.runners.size;
    const res = await register('throttled for good');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'rate_limited' });
    expect(res.headers['retry-after']).toBe('1');
    // PADDOCK_GITLAB_MAX_RETRIES (3) retries, each after the wait asked for.
    expect(gitlab.requests.count(CREATE)).toBe(4);
    for (const gap of gaps(CREATE)) expect(gap.ms).toBeGreaterThanOrEqual(1000);
    expect(gitlab.store.runners.size).toBe(before);
    await expectNoOrphans();
  });
});

describe('registering runners while GitLab fails', () => {
  it('answers 502 for each registration during a 5xx storm and creates nothing; registers once it ends', async () => {
    gitlab.faults.failNext(4, 500, { route: CREATE });
    gitlab.faults.failNext(4, 503, { route: CREATE });
    const before = gitlab.store.runners.size;
    for (let i = 0; i < 8; i++) {
      const res = await register(`storm ${i}`);
      expect(res.statusCode, res.body).toBe(502);
      expect(res.json()).toMatchObject({ code: 'gitlab_unreachable' });
    }
    expect(gitlab.store.runners.size).toBe(before);
    await expectNoOrphans();
    expect((await register('after the storm')).statusCode).toBe(201);
    await expectNoOrphans();
  });

  it('registers some and fails the rest cleanly when 5xx and 429 hit registrations running side by side', async () => {
    gitlab.faults.failNext(3, 502, { route: CREATE });
    gitlab.faults.rateLimitNext(6, 1, { route: CREATE });
    gitlab.faults.failNext(3, 504, { route: CREATE });
    // Each onto a machine of its own: what is under test is GitLab's storm, not two rollouts to one machine.
    const answers = await Promise.all(
      ids.sideBySide.map((machineId, i) => register(`side by side ${i}`, machineId)),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(
      statuses.every((s) => s === 201 || s === 502 || s === 503),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(statuses).toContain(201);
    expect(statuses).toContain(502);
    await expectNoOrphans();
  });

  it('deletes the GitLab runner again when the database fails, even while GitLab fails the delete', async () => {
    // The seam: the service's Prisma client, here one whose assignment insert fails inside the transaction.
    const faulty = ctx.db.prisma.$extends({
      query: {
        assignment: {
          createMany: () => Promise.reject(new Error('simulated: the database connection dropped')),
        },
      },
    }) as unknown as PrismaClient;
    const service = runnerRegistrationService({
      runners: runnersRepository(faulty),
      machines: machinesRepository(faulty),
      secrets: ctx.secrets,
      gitlab: ctx.app.gitlab,
      revisions: ctx.app.revisions,
      events: ctx.app.events,
      log: ctx.app.log,
    });
    gitlab.faults.failNext(2, 503, { route: DELETE });
    await expect(
      service.register(RegisterRunnerBody.parse({ ...body('compensated'), registrationId: randomUUID() }), {
        type: 'user',
        id: null,
      }),
    ).rejects.toThrow(/database connection dropped/);
    expect(
      gitlab.requests
        .list()
        .filter((r) => r.route === DELETE)
        .map((r) => r.status),
    ).toEqual([503, 503, 204]);
    await expectNoOrphans();
  });
});

describe('the periodic sync during a storm', () => {
  type SyncStatus = {
    lastSyncAt: string | null;
    lastSyncError: string | null;
    lastRun: { finishedAt: string; error: string | null } | null;
  };
  const status = async () =>
    (await ctx.app.inject({ url: `/api/v1/gitlab-instances/${ids.syncing}/sync` })).json() as SyncStatus;
  const until = async <T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await fn();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const runnersOf = () =>
    ctx.db.prisma.runner.findMany({
      where: { gitlabInstanceId: ids.syncing },
      select: { gitlabRunnerId: true, description: true, gitlabStatus: true },
    });

  it(
    'records each failed run, then resumes and catches up once the storm ends',
    { timeout: 60_000 },
    async () => {
      const create = (description: string) =>
        synced.runners.create(synced.admin, {
          runnerType: 'instance_type',
          description,
          tagList: ['docker'],
        });
      const kept = create('kept');
      const renamed = create('renamed during the storm');
      const removed = create('deleted during the storm');
      // The real worker over the app's sync service, with a short interval instead of the 5 s minimum.
      const worker = syncWorker({
        intervalMs: 100,
        pass: () => ctx.app.gitlabSync.syncAll(),
        log: ctx.app.log,
      });
      worker.start();
      try {
        await until('a first run', status, (s) => s.lastSyncAt !== null);
        expect((await runnersOf()).map((r) => r.gitlabRunnerId).sort()).toEqual(
          [kept.id, renamed.id, removed.id].sort(),
        );

        // The storm: first every request fails, then every request is throttled for an hour.
        synced.faults.failNext(100_000, 503);
        const stormAt = new Date();
        const failed = await until('a run failed by the 5xx storm', status, (s) =>
          Boolean(s.lastRun && new Date(s.lastRun.finishedAt) > stormAt && s.lastRun.error),
        );
        expect(failed.lastSyncError).toMatch(/503/);
        // Meanwhile, in GitLab: a runner renamed, one deleted, one made.
        synced.runners.update(renamed, { description: 'renamed' });
        synced.runners.delete(removed);
        const added = create('made during the storm');
        synced.faults.clear();
        synced.faults.rateLimit({ limit: 1, periodSeconds: 3600 });
        const throttledAt = new Date();
        const throttled = await until('a run failed by the 429 storm', status, (s) =>
          Boolean(
            s.lastRun &&
            new Date(s.lastRun.finishedAt) > throttledAt &&
            /rate limiting/.test(s.lastRun.error ?? ''),
          ),
        );
        expect(throttled.lastSyncError).toMatch(/rate limiting/);
        // A failed run changes nothing it has not read: the deleted runner is not marked yet.
        expect((await runnersOf()).find((r) => r.gitlabRunnerId === removed.id)?.gitlabStatus).not.toBe(
          'deleted',
        );

        synced.faults.clear();
        const calmAt = new Date();
        const resumed = await until('a run after the storm', status, (s) =>
          Boolean(s.lastSyncAt && new Date(s.lastSyncAt) > calmAt),
        );
        expect(resumed.lastSyncError).toBeNull();
        const after = await runnersOf();
        expect(after.find((r) => r.gitlabRunnerId === renamed.id)?.description).toBe('renamed');
        expect(after.find((r) => r.gitlabRunnerId === removed.id)?.gitlabStatus).toBe('deleted');
        expect(after.find((r) => r.gitlabRunnerId === added.id)).toBeDefined();
      } finally {
        await worker.stop();
      }
    },
  );
});
