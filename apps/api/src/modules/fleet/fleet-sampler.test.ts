/**
 * The fleet sampler on a real database: one row per machine that ever connected (running from its heartbeat or,
 * without one, from GitLab's job data; the limit from its assignments and `concurrent`), one per tag set with the
 * queue figures, each minute written once, and nothing written while another replica holds the lock.
 */
import type { Status } from '@paddock/protocol';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { factories } from '../../../test/support/factories.js';
import { useTestApp } from '../../../test/support/test-db.js';
import { jobsRepository, type GitlabJobInput } from '../jobs/jobs.repository.js';
import { machineSample } from './fleet-sampler.js';

const ctx = useTestApp();
const ids: Record<string, string> = {};
const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 20_000);
const MINUTE = new Date(Math.floor(NOW.getTime() / 60_000) * 60_000);

const status = (jobs: number[], concurrent: number | null, metricsOk = true): Status => ({
  type: 'status',
  diskSha256: null,
  runner: {
    metricsOk,
    error: metricsOk ? null : 'connection refused',
    version: '18.0.0',
    concurrent,
    jobs: jobs.map((running, i) => ({
      runner: { url: 'https://gitlab.example.com', id: i + 1 },
      running,
      limit: 0,
    })),
  },
  host: { cpuCount: 4, load1: 0.5, memoryBytes: 8e9, memoryAvailableBytes: 4e9 },
});

let nextJob = 1;
const job = (over: Partial<GitlabJobInput>): GitlabJobInput => ({
  gitlabJobId: nextJob++,
  projectId: 7,
  projectPath: 'group/app',
  pipelineId: 1,
  gitlabRunnerId: null,
  name: 'build',
  stage: 'build',
  ref: 'main',
  refProtected: false,
  status: 'pending',
  tags: ['docker'],
  failureReason: null,
  webUrl: null,
  queuedAt: new Date(NOW.getTime() - 120_000),
  startedAt: null,
  finishedAt: null,
  createdAt: new Date(NOW.getTime() - 130_000),
  ...over,
});

async function samples() {
  return ctx.db.prisma.fleetSample.findMany({
    orderBy: [{ kind: 'asc' }, { machineId: 'asc' }, { tagSetKey: 'asc' }],
  });
}

beforeAll(async () => {
  const f = factories(ctx.db, ctx.secrets);
  const gl = await f.gitlabInstance();
  const runnerA = await f.runner(gl.id, { tags: ['docker'] });
  const runnerB = await f.runner(gl.id, { tags: ['docker'] });

  const reporting = await f.machine({
    hostname: 'reporting',
    connectionState: 'online',
    lastStatus: status([2, 1], 10) as object,
  });
  await f.assign(runnerA.id, reporting.id, { effectiveLimit: 2 });
  await f.assign(runnerB.id, reporting.id, { effectiveLimit: 3 });

  const silent = await f.machine({ hostname: 'silent', connectionState: 'online', concurrent: null });
  await f.assign(runnerA.id, silent.id, { effectiveLimit: null });

  const gone = await f.machine({
    hostname: 'gone',
    connectionState: 'offline',
    lastStatus: status([5], 10) as object,
  });
  await f.assign(runnerA.id, gone.id, { effectiveLimit: 4 });

  const draining = await f.machine({ hostname: 'draining', connectionState: 'online', drainingSince: NOW });
  await f.assign(runnerB.id, draining.id, { effectiveLimit: 4 });

  await f.machine({ hostname: 'new', connectionState: 'never_connected' });
  Object.assign(ids, { reporting: reporting.id, silent: silent.id, gone: gone.id, draining: draining.id });

  await jobsRepository(ctx.db.prisma).upsertSnapshots(gl.id, [
    job({ status: 'running', runnerSystemId: gone.systemId, startedAt: new Date(NOW.getTime() - 60_000) }),
    job({ status: 'running', runnerSystemId: silent.systemId, startedAt: new Date(NOW.getTime() - 60_000) }),
    job({}),
    job({ queuedAt: new Date(NOW.getTime() - 600_000) }),
    job({ tags: [] }),
  ]);
});

beforeEach(async () => {
  await ctx.db.prisma.fleetSample.deleteMany();
});

describe('machineSample', () => {
  const base = {
    id: 'm',
    connectionState: 'online' as const,
    draining: false,
    concurrent: null,
    lastStatus: null,
    gitlabRunning: 0,
    assignments: 2,
    unlimitedAssignments: 0,
    limitSum: 5,
    slotSum: 5,
  };

  it("caps the runners' limits at the concurrent gitlab-runner reports", () => {
    expect(machineSample({ ...base, lastStatus: status([1, 1], 3) })).toEqual({ running: 2, limit: 3 });
  });

  it("falls back to GitLab's running jobs when the metrics did not answer", () => {
    expect(machineSample({ ...base, gitlabRunning: 4, lastStatus: status([], 10, false) })).toEqual({
      running: 4,
      limit: 5,
    });
  });

  it('takes concurrent as the limit when a runner is unlimited', () => {
    expect(machineSample({ ...base, concurrent: 8, unlimitedAssignments: 1 })).toEqual({
      running: 0,
      limit: 8,
    });
  });

  it('gives no capacity to a machine without runners', () => {
    expect(machineSample({ ...base, assignments: 0, limitSum: 0, slotSum: 0 }).limit).toBe(0);
  });
});

describe('fleetSampler.sampleNow', () => {
  it('writes one row per machine that ever connected and one per tag set', async () => {
    const result = await ctx.app.fleetSampler.sampleNow(NOW);
    expect(result).toEqual({ written: true, at: MINUTE, machines: 4, tagSets: 2 });

    const rows = await samples();
    expect(rows.every((r) => r.at.getTime() === MINUTE.getTime())).toBe(true);
    const machine = (id: string) => rows.find((r) => r.kind === 'machine' && r.machineId === id);
    // the heartbeat: 2 + 1 running; limit 2 + 3 under concurrent 10
    expect(machine(ids.reporting!)).toMatchObject({ running: 3, limit: 5 });
    // no heartbeat: GitLab's running job; the unlimited runner gets the default concurrent of one slot
    expect(machine(ids.silent!)).toMatchObject({ running: 1, limit: 1 });
    // offline: its old heartbeat is ignored, GitLab still sees its job; no capacity
    expect(machine(ids.gone!)).toMatchObject({ running: 1, limit: 0 });
    expect(machine(ids.draining!)).toMatchObject({ running: 0, limit: 0 });

    const tagSets = rows.filter((r) => r.kind === 'tag_set');
    expect(tagSets.map((r) => r.tagSetKey)).toEqual(['', 'docker']);
    expect(tagSets[1]).toMatchObject({
      pending: 2,
      running: 2,
      oldestWaitSeconds: 600,
      // two pending (120 s, 600 s so far) and two started after 60 s
      waitP50Seconds: 60,
      waitP95Seconds: 600,
    });
    expect(tagSets[0]).toMatchObject({ pending: 1, running: 0, oldestWaitSeconds: 120 });
  });

  it('writes each minute once', async () => {
    await ctx.app.fleetSampler.sampleNow(NOW);
    const again = await ctx.app.fleetSampler.sampleNow(new Date(NOW.getTime() + 30_000));
    expect(again).toEqual({ written: false, at: MINUTE, reason: 'already_sampled' });
    expect(await ctx.db.prisma.fleetSample.count()).toBe(6);
  });

  it('lets one replica write while the lock is held elsewhere', async () => {
    const other = await ctx.db.pool.connect();
    try {
      await other.query("SELECT pg_advisory_lock(x'666c736d'::int, 0)");
      expect(await ctx.app.fleetSampler.sampleNow(NOW)).toEqual({
        written: false,
        at: MINUTE,
        reason: 'locked',
      });
      expect(await ctx.db.prisma.fleetSample.count()).toBe(0);
    } finally {
      await other.query("SELECT pg_advisory_unlock(x'666c736d'::int, 0)");
      other.release();
    }
    // Two passes at once: one writes, the other finds it locked or the minute already written.
    const results = await Promise.all([
      ctx.app.fleetSampler.sampleNow(NOW),
      ctx.app.fleetSampler.sampleNow(NOW),
    ]);
    expect(results.filter((r) => r.written)).toHaveLength(1);
    expect(await ctx.db.prisma.fleetSample.count()).toBe(6);
  });
});
