/**
 * What a wall screen reads beyond the job queues: one row per machine for the heat grid (with the jobs its agent
 * last reported running and the limits rendered into its config.toml), and the failures of the last hour. One
 * query each, whatever the size of the fleet.
 */
import { Prisma, type PrismaClient } from '../../db/client.js';
import { labelSql } from '../machines/machines.repository.js';

export interface WallMachineRow {
  id: string;
  hostname: string;
  connectionState: 'never_connected' | 'online' | 'offline';
  drifting: boolean;
  draining: boolean;
  /** jobs running now, as the agent's last heartbeat said */
  running: number;
  /** sum of the job limits of its runners, capped by its global `concurrent`; 0 when none is known */
  jobLimit: number;
  /** since when its host has been busy (or idle) without a break; see modules/pressure */
  pressureHighSince: Date | null;
  pressureIdleSince: Date | null;
}

/** Which machines a wall shows: all of them, those carrying a runner for a tag set, or those with a label. */
export interface WallMachineScope {
  tags: string[] | null;
  label: string | null;
}

function scopeSql(scope: WallMachineScope): Prisma.Sql {
  if (scope.tags) {
    return Prisma.sql`WHERE EXISTS (
      SELECT 1 FROM assignments a JOIN runners r ON r.id = a.runner_id
       WHERE a.machine_id = m.id AND r.tags @> ${scope.tags}::text[]
         AND r.gitlab_status IS DISTINCT FROM 'deleted')`;
  }
  // The machine list's condition: its `@>` is served by the labels' GIN index and estimated from their
  // statistics, where `labels ->> key = value` was neither.
  if (scope.label) return Prisma.sql`WHERE ${labelSql(scope.label)}`;
  return Prisma.empty;
}

export function wallRepository(prisma: PrismaClient) {
  return {
    async machines(scope: WallMachineScope): Promise<WallMachineRow[]> {
      return prisma.$queryRaw<WallMachineRow[]>`
        SELECT m.id::text AS "id", m.hostname, m.connection_state::text AS "connectionState",
               m.drift_sha256 IS NOT NULL AS "drifting", m.draining_since IS NOT NULL AS "draining",
               CASE WHEN jsonb_typeof(m.last_status -> 'runner' -> 'jobs') = 'array'
                    THEN (SELECT COALESCE(sum(GREATEST((j ->> 'running')::int, 0)), 0)::int
                            FROM jsonb_array_elements(m.last_status -> 'runner' -> 'jobs') j)
                    ELSE 0 END AS "running",
               COALESCE(LEAST(l.total, m.concurrent), l.total, 0)::int AS "jobLimit",
               m.pressure_high_since AS "pressureHighSince", m.pressure_idle_since AS "pressureIdleSince"
          FROM machines m
          LEFT JOIN LATERAL (
            SELECT sum(a.effective_limit) FILTER (WHERE a.effective_limit > 0)::int AS total
              FROM assignments a WHERE a.machine_id = m.id) l ON true
          ${scopeSql(scope)}
         ORDER BY m.hostname, m.id`;
    },

    /** The runners placed on the machines of a scope. */
    async runnerIds(scope: WallMachineScope): Promise<string[]> {
      const rows = await prisma.$queryRaw<Array<{ id: string }>>`
        SELECT DISTINCT a.runner_id::text AS id
          FROM assignments a JOIN machines m ON m.id = a.machine_id
          ${scopeSql(scope)}`;
      return rows.map((r) => r.id);
    },

    /**
     * Jobs that failed since `since`: of one tag set, or run on the machines of a label (by the system_id GitLab
     * names), or all.
     */
    async failedJobsSince(since: Date, scope: WallMachineScope, tagSetKey: string | null): Promise<number> {
      const where =
        tagSetKey !== null
          ? Prisma.sql`AND j.tag_set_key = ${tagSetKey}`
          : scope.label
            ? Prisma.sql`AND j.runner_system_id IN (SELECT m.system_id FROM machines m ${scopeSql(scope)})`
            : Prisma.empty;
      const [row] = await prisma.$queryRaw<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM job_snapshots j
         WHERE j.status = 'failed' AND j.finished_at > ${since} ${where}`;
      return row?.n ?? 0;
    },

    /** Config revisions that failed to apply since `since`, on the machines of a scope. */
    async failedRevisionsSince(since: Date, scope: WallMachineScope): Promise<number> {
      const on =
        scope.tags || scope.label
          ? Prisma.sql`AND r.machine_id IN (SELECT m.id FROM machines m ${scopeSql(scope)})`
          : Prisma.empty;
      // A failed revision keeps no time of its failure; it fails seconds after it is created.
      const [row] = await prisma.$queryRaw<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM config_revisions r
         WHERE r.status = 'failed' AND r.created_at > ${since} ${on}`;
      return row?.n ?? 0;
    },
  };
}
export type WallRepository = ReturnType<typeof wallRepository>;
