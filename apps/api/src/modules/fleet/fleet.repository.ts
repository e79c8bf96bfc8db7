/**
 * Fleet samples: what one sampling pass reads (each machine's heartbeat status, GitLab's running jobs on it, its
 * assignments), the rows it writes, and the bucketed reads behind the trend and concurrency charts. Buckets are
 * computed in SQL from the epoch (`floor(epoch / width) * width`), so every replica draws the same boundaries.
 */
import { MACHINE_STATUS_FILTERS, type MachineStatusFilter } from '@paddock/contracts';
import { Prisma, type PrismaClient } from '../../db/client.js';
import { MACHINE_STATUS_SQL } from '../machines/machines.repository.js';

/** A machine's facts for one sample. */
export interface MachineForSample {
  id: string;
  connectionState: 'never_connected' | 'online' | 'offline';
  draining: boolean;
  /** `concurrent` set in Paddock; null keeps the rendered default */
  concurrent: number | null;
  /** the last heartbeat's status, as the agent sent it */
  lastStatus: unknown;
  /** jobs GitLab says are running on this machine (by its system_id) */
  gitlabRunning: number;
  assignments: number;
  /** assignments without a limit (null or 0) */
  unlimitedAssignments: number;
  /** sum of the limits of the other assignments */
  limitSum: number;
  /** sum of limits with each unlimited runner counted as one slot: the `concurrent` Paddock renders by default */
  slotSum: number;
}

export interface SampleRow {
  kind: 'machine' | 'tag_set';
  machineId?: string;
  tagSetKey?: string;
  running: number;
  limit?: number | null;
  pending?: number | null;
  oldestWaitSeconds?: number | null;
  waitP50Seconds?: number | null;
  waitP95Seconds?: number | null;
}

export interface Window {
  from: Date;
  end: Date;
  bucketSeconds: number;
}

/** Running and limit per bucket, keyed by the bucket's start in epoch seconds. */
export interface BucketTotals {
  bucket: number;
  running: number | null;
  limit: number | null;
}

export interface QueueBucket {
  tagSetKey: string;
  bucket: number;
  pending: number | null;
  oldestWaitSeconds: number | null;
  waitP50Seconds: number | null;
  waitP95Seconds: number | null;
}

export function fleetRepository(prisma: PrismaClient) {
  return {
    /** Machines that ever connected; one never seen has nothing to sample. */
    async machinesForSample(): Promise<MachineForSample[]> {
      return prisma.$queryRaw<MachineForSample[]>`
        SELECT m.id::text AS "id", m.connection_state::text AS "connectionState",
               m.draining_since IS NOT NULL AS "draining", m.concurrent, m.last_status AS "lastStatus",
               (SELECT count(*) FROM job_snapshots j
                 WHERE j.runner_system_id = m.system_id AND j.status = 'running')::int AS "gitlabRunning",
               count(a.id)::int AS "assignments",
               count(a.id) FILTER (WHERE COALESCE(a.effective_limit, 0) = 0)::int AS "unlimitedAssignments",
               COALESCE(sum(a.effective_limit) FILTER (WHERE a.effective_limit > 0), 0)::int AS "limitSum",
               COALESCE(sum(CASE WHEN a.effective_limit > 0 THEN a.effective_limit ELSE 1 END), 0)::int
                 AS "slotSum"
          FROM machines m
          LEFT JOIN assignments a ON a.machine_id = m.id
         WHERE m.connection_state <> 'never_connected'
         GROUP BY m.id`;
    },

    /** Whether a pass already wrote the samples of this minute (another replica, or a retried pass). */
    async sampledAt(at: Date): Promise<boolean> {
      const [row] = await prisma.$queryRaw<Array<{ found: boolean }>>`
        SELECT EXISTS (SELECT 1 FROM fleet_samples
                        WHERE kind IN ('machine', 'tag_set') AND at = ${at}) AS found`;
      return row?.found ?? false;
    },

    async insert(at: Date, rows: SampleRow[]): Promise<number> {
      if (rows.length === 0) return 0;
      const { count } = await prisma.fleetSample.createMany({ data: rows.map((r) => ({ ...r, at })) });
      return count;
    },

    async newestSample(): Promise<Date | null> {
      const [row] = await prisma.$queryRaw<Array<{ at: Date | null }>>`
        SELECT max(at) AS at FROM fleet_samples WHERE kind IN ('machine', 'tag_set')`;
      return row?.at ?? null;
    },

    /**
     * Running against the limit per bucket, summed over the machines of each minute, then the busiest minute of
     * each bucket; one machine's only when `machineId` is given.
     */
    async capacity(w: Window, machineId?: string): Promise<BucketTotals[]> {
      return prisma.$queryRaw<BucketTotals[]>`
        SELECT (floor(extract(epoch FROM at) / ${w.bucketSeconds}) * ${w.bucketSeconds})::float8 AS "bucket",
               max(running)::int AS "running", max("limit")::int AS "limit"
          FROM (SELECT at, sum(running) AS running, sum(COALESCE("limit", 0)) AS "limit"
                  FROM fleet_samples
                 WHERE kind = 'machine' AND at >= ${w.from} AND at < ${w.end}
                   AND (${machineId ?? null}::uuid IS NULL OR machine_id = ${machineId ?? null}::uuid)
                 GROUP BY at) per_minute
         GROUP BY 1`;
    },

    /**
     * A runner's limit per bucket: each of its machines' sampled limit, capped at the runner's limit there (an
     * assignment's effective limit, none when 0 or null), summed per minute, busiest minute per bucket.
     */
    async runnerLimits(w: Window, runnerId: string): Promise<Array<{ bucket: number; limit: number }>> {
      return prisma.$queryRaw<Array<{ bucket: number; limit: number }>>`
        SELECT (floor(extract(epoch FROM at) / ${w.bucketSeconds}) * ${w.bucketSeconds})::float8 AS "bucket",
               max(lim)::int AS "limit"
          FROM (SELECT s.at,
                       sum(CASE WHEN a.effective_limit > 0 THEN least(COALESCE(s."limit", 0), a.effective_limit)
                                ELSE COALESCE(s."limit", 0) END) AS lim
                  FROM fleet_samples s
                  JOIN assignments a ON a.machine_id = s.machine_id AND a.runner_id = ${runnerId}::uuid
                 WHERE s.kind = 'machine' AND s.at >= ${w.from} AND s.at < ${w.end}
                 GROUP BY s.at) per_minute
         GROUP BY 1`;
    },

    /**
     * A runner's running jobs per bucket from GitLab's job data: jobs that started before the bucket ended and
     * had not finished when it began.
     */
    async runnerRunning(w: Window, runnerId: string): Promise<Array<{ bucket: number; running: number }>> {
      const width = `${w.bucketSeconds} seconds`;
      return prisma.$queryRaw<Array<{ bucket: number; running: number }>>`
        SELECT extract(epoch FROM g)::float8 AS "bucket", count(j.id)::int AS "running"
          FROM generate_series(${w.from}::timestamptz, ${w.end}::timestamptz - ${width}::interval,
                               ${width}::interval) AS g
          LEFT JOIN job_snapshots j
            ON j.runner_id = ${runnerId}::uuid AND j.started_at < g + ${width}::interval
           AND (j.finished_at >= g OR (j.finished_at IS NULL AND j.status = 'running'))
         GROUP BY g`;
    },

    /** Each tag set's worst minute per bucket. */
    async queues(w: Window): Promise<QueueBucket[]> {
      return prisma.$queryRaw<QueueBucket[]>`
        SELECT tag_set_key AS "tagSetKey",
               (floor(extract(epoch FROM at) / ${w.bucketSeconds}) * ${w.bucketSeconds})::float8 AS "bucket",
               max(pending)::int AS "pending", max(oldest_wait_seconds)::int AS "oldestWaitSeconds",
               max(wait_p50_seconds)::int AS "waitP50Seconds", max(wait_p95_seconds)::int AS "waitP95Seconds"
          FROM fleet_samples
         WHERE kind = 'tag_set' AND tag_set_key IS NOT NULL AND at >= ${w.from} AND at < ${w.end}
         GROUP BY 1, 2`;
    },

    /** Machines per status now, with the same meaning as the machine list's status filters. */
    async machinesByStatus(): Promise<{ total: number } & Record<MachineStatusFilter, number>> {
      const counts = MACHINE_STATUS_FILTERS.map(
        (status) =>
          Prisma.sql`count(*) FILTER (WHERE ${MACHINE_STATUS_SQL[status]})::int AS ${Prisma.raw(`"${status}"`)}`,
      );
      const [row] = await prisma.$queryRaw<Array<{ total: number } & Record<MachineStatusFilter, number>>>`
        SELECT count(*)::int AS "total", ${Prisma.join(counts)}
          FROM machines m`;
      return row!;
    },

    async machineName(id: string): Promise<{ name: string } | null> {
      const m = await prisma.machine.findUnique({ where: { id }, select: { hostname: true } });
      return m && { name: m.hostname };
    },

    async runnerName(id: string): Promise<{ name: string | null } | null> {
      const r = await prisma.runner.findUnique({ where: { id }, select: { description: true } });
      return r && { name: r.description };
    },
  };
}
export type FleetRepository = ReturnType<typeof fleetRepository>;
