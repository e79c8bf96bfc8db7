/**
 * Retention on a real database: what goes (finished jobs and samples past their retention, revisions beyond the
 * newest N, rollouts left empty, models no revision names), what always stays (unfinished jobs; a machine's desired, applied and pending
 * revisions and those of a rollout under way), batches of bounded size, the advisory lock between replicas, each
 * delete on an index, and the settings refused at start.
 */
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { factories } from '../../../test/support/factories.js';
import { useTestApp } from '../../../test/support/test-db.js';
import { Prisma } from '../../db/client.js';
import { storeModels } from '../revisions/config-models.js';
import { EnvError, parseEnv } from '../../env.js';
import { retentionRepository, retentionStatements } from './retention.repository.js';
import { retentionService, type RetentionSettings } from './retention.service.js';

const ctx = useTestApp({ env: { PADDOCK_RETENTION_INTERVAL_MS: '0' } });

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

const SETTINGS: RetentionSettings = {
  jobRetentionDays: 30,
  fleetSampleRetentionDays: 30,
  revisionsKept: 50,
  auditRetentionDays: 365,
};

function recordingLog() {
  const info = vi.fn();
  const log = { info, debug: vi.fn(), warn: vi.fn(), error: vi.fn() } as unknown as FastifyBaseLogger;
  return { log, info };
}

function service(settings: Partial<RetentionSettings> = {}, batchSize?: number) {
  const { log, info } = recordingLog();
  const svc = retentionService({
    repo: retentionRepository(ctx.db.prisma),
    pool: ctx.db.pool,
    settings: { ...SETTINGS, ...settings },
    log,
    ...(batchSize !== undefined && { batchSize }),
  });
  return { svc, info };
}

/** Every kind off but the ones given. */
const only = (settings: Partial<RetentionSettings>): Partial<RetentionSettings> => ({
  jobRetentionDays: 0,
  fleetSampleRetentionDays: 0,
  revisionsKept: 0,
  auditRetentionDays: 0,
  ...settings,
});

describe('job snapshots', () => {
  let gitlabInstanceId: string;
  let nextJob = 1;

  beforeEach(async () => {
    await ctx.db.prisma.jobSnapshot.deleteMany();
    gitlabInstanceId ??= (await factories(ctx.db, ctx.secrets).gitlabInstance()).id;
  });

  /** A job with this status, finish time and last update (the sync stamps updated_at itself, so it is set here). */
  async function job(name: string, status: string, finishedAt: Date | null, updatedAt: Date) {
    const row = await ctx.db.prisma.jobSnapshot.create({
      data: {
        gitlabInstanceId,
        gitlabJobId: nextJob++,
        projectId: 1,
        name,
        status,
        tagSetKey: '',
        finishedAt,
        createdAt: daysAgo(90),
      },
    });
    await ctx.db.pool.query('UPDATE job_snapshots SET updated_at = $2 WHERE id = $1', [row.id, updatedAt]);
  }

  const names = async () =>
    (await ctx.db.prisma.jobSnapshot.findMany({ select: { name: true }, orderBy: { name: 'asc' } })).map(
      (j) => j.name,
    );

  it('deletes finished jobs past the retention and keeps newer and unfinished ones', async () => {
    await job('success-31d', 'success', daysAgo(31), daysAgo(31));
    await job('failed-40d', 'failed', daysAgo(40), daysAgo(1));
    await job('canceled-29d', 'canceled', daysAgo(29), daysAgo(29));
    // ended without a finish time: counted from the last update
    await job('skipped-31d', 'skipped', null, daysAgo(31));
    await job('deleted-45d', 'deleted', null, daysAgo(45));
    await job('manual-5d', 'manual', null, daysAgo(5));
    // not finished, however old
    await job('pending-60d', 'pending', null, daysAgo(60));
    await job('running-60d', 'running', null, daysAgo(60));
    await job('created-60d', 'created', null, daysAgo(60));
    await job('canceling-40d', 'canceling', daysAgo(40), daysAgo(40));
    await job('running-with-finish-40d', 'running', daysAgo(40), daysAgo(40));

    const { svc, info } = service(only({ jobRetentionDays: 30 }));
    const result = await svc.pruneNow({ now: NOW });

    expect(result).toEqual({
      ran: true,
      complete: true,
      pruned: { configModels: { rows: 0, batches: 1 }, jobSnapshots: { rows: 4, batches: 1 } },
    });
    expect(await names()).toEqual([
      'canceled-29d',
      'canceling-40d',
      'created-60d',
      'manual-5d',
      'pending-60d',
      'running-60d',
      'running-with-finish-40d',
    ]);
    expect(info).toHaveBeenCalledWith(
      { kind: 'jobSnapshots', rows: 4, batches: 1 },
      'pruned 4 finished job snapshots',
    );
  });

  it('deletes in batches of the given size until one comes back short', async () => {
    for (let i = 0; i < 7; i++) await job(`old-${i}`, 'success', daysAgo(31 + i), daysAgo(31));
    await job('new', 'success', daysAgo(1), daysAgo(1));
    const { svc } = service(only({ jobRetentionDays: 30 }), 3);
    const result = await svc.pruneNow({ now: NOW });
    expect(result).toMatchObject({ pruned: { jobSnapshots: { rows: 7, batches: 3 } } });
    expect(await names()).toEqual(['new']);
  });

  it('keeps everything with a retention of 0, and logs nothing when nothing was old enough', async () => {
    await job('ancient', 'success', daysAgo(3000), daysAgo(3000));
    const off = service(only({}));
    // Only unused models go whatever the settings (there are none here).
    expect(await off.svc.pruneNow({ now: NOW })).toEqual({
      ran: true,
      pruned: { configModels: { rows: 0, batches: 1 } },
      complete: true,
    });
    const on = service(only({ jobRetentionDays: 36_500 }));
    expect(await on.svc.pruneNow({ now: NOW })).toMatchObject({ pruned: { jobSnapshots: { rows: 0 } } });
    expect(on.info).not.toHaveBeenCalled();
    expect(await names()).toEqual(['ancient']);
  });
});

describe('fleet samples', () => {
  beforeEach(async () => {
    await ctx.db.prisma.fleetSample.deleteMany();
  });

  it('deletes samples older than the retention, of every kind', async () => {
    await ctx.db.prisma.fleetSample.createMany({
      data: [
        { at: daysAgo(31), kind: 'machine', running: 1 },
        { at: daysAgo(31), kind: 'tag_set', tagSetKey: 'docker', running: 1 },
        { at: daysAgo(29), kind: 'machine', running: 2 },
        { at: daysAgo(29), kind: 'tag_set', tagSetKey: 'docker', running: 2 },
      ],
    });
    const { svc } = service(only({ fleetSampleRetentionDays: 30 }));
    expect(await svc.pruneNow({ now: NOW })).toMatchObject({ pruned: { fleetSamples: { rows: 2 } } });
    expect(await ctx.db.prisma.fleetSample.findMany({ select: { running: true } })).toEqual([
      { running: 2 },
      { running: 2 },
    ]);
  });

  it('clears a backlog larger than one default batch, 5,000 rows per statement', async () => {
    await ctx.db.pool.query(
      `INSERT INTO fleet_samples (at, kind, running)
       SELECT $1::timestamptz - make_interval(mins => i), 'machine', 0 FROM generate_series(1, 12000) AS i`,
      [daysAgo(31)],
    );
    await ctx.db.prisma.fleetSample.create({ data: { at: daysAgo(1), kind: 'machine', running: 9 } });
    const { svc, info } = service(only({ fleetSampleRetentionDays: 30 }));
    expect(await svc.pruneNow({ now: NOW })).toMatchObject({
      pruned: { fleetSamples: { rows: 12_000, batches: 3 } },
    });
    expect(await ctx.db.prisma.fleetSample.count()).toBe(1);
    expect(info).toHaveBeenCalledWith(
      { kind: 'fleetSamples', rows: 12_000, batches: 3 },
      'pruned 12000 fleet samples',
    );
  });
});

describe('config revisions', () => {
  let ids: { busy: string; peer: string; rolledBack: string; few: string };
  let rollouts: { underWay: string; doneOld: string; doneRecent: string };

  type RevisionSpec = { status?: 'pending' | 'applied' | 'failed' | 'superseded'; rolloutId?: string };

  async function revisions(machineId: string, count: number, special: Record<number, RevisionSpec> = {}) {
    const hashes = await storeModels(
      ctx.db.prisma,
      Array.from({ length: count }, (_, i) => JSON.stringify({ n: i + 1 })),
    );
    await ctx.db.prisma.configRevision.createMany({
      data: Array.from({ length: count }, (_, i) => ({
        machineId,
        number: i + 1,
        modelHash: hashes[i]!,
        sha256: String(i + 1).padStart(64, '0'),
        reason: `change ${i + 1}`,
        actorType: 'system' as const,
        status: 'superseded' as const,
        ...special[i + 1],
      })),
    });
  }

  const numbers = async (machineId: string) =>
    (
      await ctx.db.prisma.configRevision.findMany({
        where: { machineId },
        select: { number: true },
        orderBy: { number: 'asc' },
      })
    ).map((r) => r.number);

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeEach(async () => {
    await ctx.db.prisma.configRevision.deleteMany();
    await ctx.db.prisma.rollout.deleteMany();
    const f = factories(ctx.db, ctx.secrets);
    const machine = async (desiredRevision: number, appliedRevision: number | null) =>
      (await f.machine({ desiredRevision, appliedRevision })).id;
    ids = {
      busy: await machine(60, 4),
      peer: await machine(3, 2),
      rolledBack: await machine(3, null),
      few: await machine(5, 5),
    };
    const rollout = async (createdAt: Date) =>
      (await ctx.db.prisma.rollout.create({ data: { reason: 'test', actorType: 'system', createdAt } })).id;
    rollouts = {
      underWay: await rollout(daysAgo(400)),
      doneOld: await rollout(daysAgo(400)),
      doneRecent: await rollout(daysAgo(10)),
    };
    await revisions(ids.busy, 60, {
      2: { status: 'pending' },
      4: { status: 'applied' },
      6: { rolloutId: rollouts.underWay },
      7: { status: 'failed' },
      8: { rolloutId: rollouts.doneOld },
      9: { rolloutId: rollouts.doneRecent },
      60: { status: 'pending' },
    });
    // the rollout under way: still pending on its other machine
    await revisions(ids.peer, 3, {
      2: { status: 'applied' },
      3: { status: 'pending', rolloutId: rollouts.underWay },
    });
    // desired far below the newest (set by hand here): still kept
    await revisions(ids.rolledBack, 55);
    await revisions(ids.few, 5);
  });

  it("keeps the newest N of each machine plus its desired, applied and pending ones and a live rollout's", async () => {
    const { svc } = service(only({ revisionsKept: 50 }));
    const result = await svc.pruneNow({ now: NOW });

    // busy: 1, 3, 5, 7, 8, 9, 10 go; rolledBack: 1, 2, 4, 5 go
    expect(result).toMatchObject({ pruned: { configRevisions: { rows: 11, batches: 1 } } });
    expect(await numbers(ids.busy)).toEqual([2, 4, 6, ...range(11, 60)]);
    expect(await numbers(ids.rolledBack)).toEqual([3, ...range(6, 55)]);
    expect(await numbers(ids.peer)).toEqual([1, 2, 3]);
    expect(await numbers(ids.few)).toEqual([1, 2, 3, 4, 5]);
  });

  it('deletes in batches, and always keeps the newest revision', async () => {
    const { svc } = service(only({ revisionsKept: 1 }), 20);
    // busy keeps pending 2, applied 4, 6 of the rollout under way and the newest; peer its applied and desired;
    // rolledBack its desired and the newest: 114 rows in batches of 20
    const result = await svc.pruneNow({ now: NOW });
    expect(result).toMatchObject({ pruned: { configRevisions: { rows: 56 + 1 + 53 + 4, batches: 6 } } });
    expect(await numbers(ids.busy)).toEqual([2, 4, 6, 60]);
    expect(await numbers(ids.peer)).toEqual([2, 3]);
    expect(await numbers(ids.rolledBack)).toEqual([3, 55]);
    expect(await numbers(ids.few)).toEqual([5]);
  });

  it('deletes rollouts left without revisions once older than the audit retention', async () => {
    const { svc } = service(only({ revisionsKept: 50, auditRetentionDays: 365 }));
    const result = await svc.pruneNow({ now: NOW });
    expect(result).toMatchObject({ pruned: { configRevisions: { rows: 11 }, rollouts: { rows: 1 } } });
    const left = await ctx.db.prisma.rollout.findMany({ select: { id: true } });
    expect(left.map((r) => r.id).sort()).toEqual([rollouts.underWay, rollouts.doneRecent].sort());
  });

  it('deletes models no revision names once unused for an hour, whatever the settings', async () => {
    const [gone, recent, named] = await storeModels(ctx.db.prisma, [
      JSON.stringify({ unused: 'old' }),
      JSON.stringify({ unused: 'recent' }),
      JSON.stringify({ n: 1 }),
    ]);
    const usedAt = async (hash: string, at: Date) =>
      ctx.db.prisma.configModel.update({ where: { hash }, data: { usedAt: at } });
    await usedAt(gone!, new Date(NOW.getTime() - 2 * 3_600_000));
    await usedAt(recent!, new Date(NOW.getTime() - 10 * 60_000));
    await usedAt(named!, daysAgo(400));

    const result = await service(only({})).svc.pruneNow({ now: NOW });
    expect(result).toMatchObject({ pruned: { configModels: { rows: 1 } } });
    const left = await ctx.db.prisma.configModel.findMany({
      where: { hash: { in: [gone!, recent!, named!] } },
    });
    expect(left.map((m) => m.hash).sort()).toEqual([recent!, named!].sort());

    // Once no revision names a model any more, it goes too.
    await ctx.db.prisma.configRevision.deleteMany({ where: { modelHash: named! } });
    const again = await service(only({})).svc.pruneNow({ now: NOW });
    expect(again).toMatchObject({ pruned: { configModels: { rows: 1 } } });
    expect(await ctx.db.prisma.configModel.count({ where: { hash: named! } })).toBe(0);
  });

  it('leaves every page of a pruned machine working', async () => {
    await service(only({ revisionsKept: 50, auditRetentionDays: 365 })).svc.pruneNow({ now: NOW });
    const list = await ctx.app.inject({ url: `/api/v1/machines/${ids.busy}/revisions` });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(53);
    const rollout = await ctx.app.inject({ url: `/api/v1/rollouts/${rollouts.underWay}` });
    expect(rollout.statusCode).toBe(200);
    expect(
      rollout
        .json<{ machines: Array<{ machineId: string; revision: number }> }>()
        .machines.map((m) => m.revision),
    ).toEqual(ids.busy < ids.peer ? [6, 3] : [3, 6]);
  });
});

describe('the pass', () => {
  beforeEach(async () => {
    await ctx.db.prisma.jobSnapshot.deleteMany();
    await ctx.db.prisma.fleetSample.deleteMany();
    await ctx.db.prisma.fleetSample.createMany({
      data: Array.from({ length: 10 }, () => ({ at: daysAgo(40), kind: 'machine' as const, running: 0 })),
    });
  });

  it('is skipped while another replica holds the lock', async () => {
    const other = new pg.Client({ connectionString: ctx.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1, 0)', [0x72746e70]);
      const { svc } = service(only({ fleetSampleRetentionDays: 30 }));
      expect(await svc.pruneNow({ now: NOW })).toEqual({ ran: false, reason: 'locked' });
      expect(await ctx.db.prisma.fleetSample.count()).toBe(10);
      await other.query('SELECT pg_advisory_unlock($1, 0)', [0x72746e70]);
      expect(await svc.pruneNow({ now: NOW })).toMatchObject({ ran: true });
      expect(await ctx.db.prisma.fleetSample.count()).toBe(0);
    } finally {
      await other.end();
    }
  });

  it('stops between two batches when asked to', async () => {
    const repo = retentionRepository(ctx.db.prisma);
    const stop = new AbortController();
    const svc = retentionService({
      repo: {
        ...repo,
        deleteFleetSamples: async (before, limit) => {
          const n = await repo.deleteFleetSamples(before, limit);
          stop.abort();
          return n;
        },
      },
      pool: ctx.db.pool,
      settings: { ...SETTINGS, ...only({ fleetSampleRetentionDays: 30, jobRetentionDays: 30 }) },
      log: recordingLog().log,
      batchSize: 4,
    });
    const result = await svc.pruneNow({ now: NOW, signal: stop.signal });
    expect(result).toEqual({
      ran: true,
      complete: false,
      pruned: {
        configModels: { rows: 0, batches: 1 },
        jobSnapshots: { rows: 0, batches: 1 },
        fleetSamples: { rows: 4, batches: 1 },
      },
    });
    expect(await ctx.db.prisma.fleetSample.count()).toBe(6);
  });
});

describe('each delete', () => {
  const cases: Array<[string, Prisma.Sql, string | RegExp]> = [
    [
      'job snapshots',
      retentionStatements.jobSnapshots(NOW, 5000),
      'job_snapshots_finished_at_updated_at_idx',
    ],
    // Both `(kind, at)` and `(at)` serve `at < $1`, and which the planner prices lower depends on the table's
    // size: any index of fleet_samples bounding `at` will do (not just the pkey probe of the outer delete).
    [
      'fleet samples',
      retentionStatements.fleetSamples(NOW, 5000),
      /Index (Only )?Scan (using|on) fleet_samples_\w+[^\n]*\n\s+Index Cond: [^\n]*\bat < /,
    ],
    [
      'config revisions',
      retentionStatements.configRevisions(50, 5000),
      'config_revisions_machine_id_number_key',
    ],
    ['unused config models', retentionStatements.configModels(NOW, 5000), 'config_revisions_model_hash_idx'],
    ['emptied rollouts', retentionStatements.emptiedRollouts(NOW, 5000), 'rollouts_created_at_idx'],
  ];

  it.each(cases)('finds the %s to delete through an index', async (_label, statement, index) => {
    // With sequential scans priced out, the planner still picks one when no index serves the condition.
    const plan = await ctx.db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
      return tx.$queryRaw<Array<{ 'QUERY PLAN': string }>>(Prisma.sql`EXPLAIN ${statement}`);
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Seq Scan/);
    expect(text).toMatch(index);
  });
});

describe('the environment', () => {
  it('defaults to 30 days of jobs, 2 of samples, 50 revisions per machine, an hourly pass', () => {
    expect(parseEnv({})).toMatchObject({
      PADDOCK_JOB_RETENTION_DAYS: 30,
      PADDOCK_FLEET_SAMPLE_RETENTION_DAYS: 2,
      PADDOCK_REVISIONS_KEPT: 50,
      PADDOCK_RETENTION_INTERVAL_MS: 3_600_000,
    });
  });

  it('takes 0 as keep forever (or, for the interval, off)', () => {
    expect(
      parseEnv({
        PADDOCK_JOB_RETENTION_DAYS: '0',
        PADDOCK_FLEET_SAMPLE_RETENTION_DAYS: '0',
        PADDOCK_REVISIONS_KEPT: '0',
        PADDOCK_RETENTION_INTERVAL_MS: '0',
      }),
    ).toMatchObject({
      PADDOCK_JOB_RETENTION_DAYS: 0,
      PADDOCK_FLEET_SAMPLE_RETENTION_DAYS: 0,
      PADDOCK_REVISIONS_KEPT: 0,
      PADDOCK_RETENTION_INTERVAL_MS: 0,
    });
  });

  it.each([
    ['PADDOCK_JOB_RETENTION_DAYS', '1', /between 2 and 36500/],
    ['PADDOCK_JOB_RETENTION_DAYS', '-3', /between 2 and 36500/],
    ['PADDOCK_JOB_RETENTION_DAYS', 'a month', /"a month"/],
    ['PADDOCK_FLEET_SAMPLE_RETENTION_DAYS', '1.5', /PADDOCK_FLEET_SAMPLE_RETENTION_DAYS/],
    ['PADDOCK_FLEET_SAMPLE_RETENTION_DAYS', '40000', /between 2 and 36500/],
    ['PADDOCK_REVISIONS_KEPT', '-1', /between 1 and 100000/],
    ['PADDOCK_REVISIONS_KEPT', 'all', /PADDOCK_REVISIONS_KEPT/],
    ['PADDOCK_RETENTION_INTERVAL_MS', '1000', /between 60000 and 86400000/],
  ])('refuses %s=%s at start', (name, value, message) => {
    let error: unknown;
    try {
      parseEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    expect(problems[0]).toMatch(message);
  });
});
