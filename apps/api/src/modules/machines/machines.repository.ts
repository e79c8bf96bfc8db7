/**
 * Machine reads and writes. The list is one SQL query (plus a count) with keyset pagination on the sort column
 * and the id; see runners.repository.ts for why lists do not go through Prisma's `include`.
 */
import {
  Timestamp,
  type ListMachinesQuery,
  type MachineSort,
  type MachineStatusFilter,
} from '@paddock/contracts';
import { Prisma, type PrismaClient } from '../../db/client.js';
import type { CursorPayload } from '../../lib/cursor.js';
import { ValidationError } from '../../lib/errors.js';
import { escapeLike } from '../../lib/sql.js';
import type { JobForMatching, RunnerForMatching } from '../jobs/matching.js';
import { PRESSURE_RULES } from '../pressure/pressure.js';

const include = { _count: { select: { assignments: true } } } as const;

export type MachineRow = Prisma.MachineGetPayload<{ include: typeof include }>;

type SortField = 'hostname' | 'lastSeenAt' | 'createdAt';
const COLUMNS: Record<SortField, Prisma.Sql> = {
  hostname: Prisma.sql`m.hostname`,
  lastSeenAt: Prisma.sql`m.last_seen_at`,
  createdAt: Prisma.sql`m.created_at`,
};

export function sortSpec(sort: MachineSort): { field: SortField; dir: 'asc' | 'desc' } {
  return sort.startsWith('-')
    ? { field: sort.slice(1) as SortField, dir: 'desc' }
    : { field: sort as SortField, dir: 'asc' };
}

/** What each status filter means, as a condition on `machines m`: the list and the fleet counts share it. */
export const MACHINE_STATUS_SQL: Record<MachineStatusFilter, Prisma.Sql> = {
  online: Prisma.sql`m.connection_state = 'online'`,
  offline: Prisma.sql`m.connection_state = 'offline'`,
  never_connected: Prisma.sql`m.connection_state = 'never_connected'`,
  draining: Prisma.sql`m.draining_since IS NOT NULL`,
  drifting: Prisma.sql`m.drift_sha256 IS NOT NULL`,
  failed: Prisma.sql`m.apply_error IS NOT NULL`,
  applying: Prisma.sql`(m.desired_revision > 0 AND m.apply_error IS NULL
    AND (m.applied_revision IS NULL OR m.applied_revision < m.desired_revision))`,
  // The same rule as modules/pressure's flaggedLevel, against the database's clock.
  under_pressure: Prisma.sql`(m.connection_state = 'online'
    AND m.pressure_high_since <= now() - make_interval(secs => ${PRESSURE_RULES.holdMs / 1000}))`,
};

/** A label selector (`key` or `key=value`) as SQL over `m.labels`, in the form the labels' GIN index serves. */
export function labelSql(selector: string): Prisma.Sql {
  const eq = selector.indexOf('=');
  if (eq === -1) return Prisma.sql`m.labels ? ${selector}`;
  return Prisma.sql`m.labels @> ${JSON.stringify({ [selector.slice(0, eq)]: selector.slice(eq + 1) })}::jsonb`;
}

function whereSql(query: ListMachinesQuery): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (query.status?.length)
    where.push(
      Prisma.sql`(${Prisma.join(
        query.status.map((s) => MACHINE_STATUS_SQL[s]),
        ' OR ',
      )})`,
    );
  for (const selector of query.label ?? []) where.push(labelSql(selector));
  if (query.q) {
    const like = `%${escapeLike(query.q)}%`;
    where.push(Prisma.sql`(m.hostname ILIKE ${like} OR m.system_id ILIKE ${like})`);
  }
  return where;
}

/** Rows after the cursor in `field dir NULLS LAST, id dir` order. */
function afterCursorSql(field: SortField, dir: 'asc' | 'desc', cursor: CursorPayload): Prisma.Sql {
  const col = COLUMNS[field];
  const op = Prisma.raw(dir === 'asc' ? '>' : '<');
  const id = Prisma.sql`${cursor.id}::uuid`;
  if (cursor.v === null) {
    if (field !== 'lastSeenAt')
      throw new ValidationError([
        { path: 'query.cursor', message: 'not a cursor from this API', code: 'invalid_cursor' },
      ]);
    return Prisma.sql`(${col} IS NULL AND m.id ${op} ${id})`;
  }
  // A tampered cursor must not reach the SQL cast below, where Postgres would refuse it as a server error.
  if (field !== 'hostname' && !Timestamp.safeParse(cursor.v).success)
    throw new ValidationError([
      { path: 'query.cursor', message: 'not a cursor from this API', code: 'invalid_cursor' },
    ]);
  const value =
    field === 'hostname' ? Prisma.sql`${String(cursor.v)}` : Prisma.sql`${String(cursor.v)}::timestamptz`;
  const rowCompare = Prisma.sql`(${col}, m.id) ${op} (${value}, ${id})`;
  return field === 'lastSeenAt' ? Prisma.sql`(${rowCompare} OR ${col} IS NULL)` : rowCompare;
}

const and = (parts: Prisma.Sql[]) =>
  parts.length ? Prisma.sql`WHERE ${Prisma.join(parts, ' AND ')}` : Prisma.empty;

type ListRow = Omit<MachineRow, '_count'> & { runnerCount: number };

/** A runner token assigned to a machine, with what its limit there and job matching need. */
export interface RunnerOnMachine extends RunnerForMatching {
  machineId: string;
  description: string;
  gitlabUrl: string;
  gitlabRunnerId: number;
  limitMode: 'per_machine' | 'fleet_budget';
  limitValue: number;
  limitOverride: number | null;
  effectiveLimit: number | null;
}

/** A pending job as matching needs it. */
export type PendingJob = Required<JobForMatching>;

/** Enough pending jobs to size a suggestion; a queue longer than this changes no suggestion a person would take. */
const PENDING_SCAN = 5_000;

export function machinesRepository(prisma: PrismaClient) {
  return {
    /** `knownTotal`: the total a cursor carried for the same filters, so the matching rows are not counted again. */
    async list(query: ListMachinesQuery, cursor: CursorPayload | null, knownTotal: number | null = null) {
      const where = whereSql(query);
      const { field, dir } = sortSpec(query.sort);
      const page = cursor ? [...where, afterCursorSql(field, dir, cursor)] : where;
      const direction = Prisma.raw(dir === 'asc' ? 'ASC' : 'DESC');
      const [rows, count] = await Promise.all([
        prisma.$queryRaw<ListRow[]>`
          SELECT m.id, m.system_id AS "systemId", m.hostname, m.labels, m.os, m.arch,
                 m.agent_version AS "agentVersion", m.runner_version AS "runnerVersion",
                 m.connection_state::text AS "connectionState", m.connected_at AS "connectedAt",
                 m.last_seen_at AS "lastSeenAt", m.connected_via AS "connectedVia",
                 m.desired_revision AS "desiredRevision", m.applied_revision AS "appliedRevision",
                 m.applied_sha256 AS "appliedSha256", m.disk_sha256 AS "diskSha256",
                 m.drift_sha256 AS "driftSha256", m.drift_keys AS "driftKeys",
                 m.drift_detected_at AS "driftDetectedAt", m.apply_error AS "applyError",
                 m.draining_since AS "drainingSince", m.concurrent, m.check_interval AS "checkInterval",
                 m.global_settings AS "globalSettings", m.cpu_count AS "cpuCount",
                 m.memory_bytes AS "memoryBytes", m.last_status AS "lastStatus",
                 m.pressure_high_since AS "pressureHighSince", m.pressure_idle_since AS "pressureIdleSince",
                 m.created_at AS "createdAt", m.updated_at AS "updatedAt",
                 (SELECT count(*)::int FROM assignments a WHERE a.machine_id = m.id) AS "runnerCount"
            FROM machines m
            ${and(page)}
           ORDER BY ${COLUMNS[field]} ${direction} NULLS LAST, m.id ${direction}
           LIMIT ${query.limit + 1}`,
        knownTotal === null
          ? prisma.$queryRaw<[{ n: number }]>`SELECT count(*)::int AS n FROM machines m ${and(where)}`
          : [{ n: knownTotal }],
      ]);
      return {
        rows: rows.slice(0, query.limit).map(({ runnerCount, ...m }): MachineRow => ({
          ...m,
          _count: { assignments: runnerCount },
        })),
        hasMore: rows.length > query.limit,
        total: count[0].n,
      };
    },
    get: (id: string) => prisma.machine.findUnique({ where: { id }, include }),
    getMany: (ids: string[]) => prisma.machine.findMany({ where: { id: { in: ids } }, include }),
    updateLabels: (id: string, labels: Record<string, string>) =>
      prisma.machine.update({ where: { id }, data: { labels }, include }),
    delete: (id: string) => prisma.machine.delete({ where: { id } }),
    /** The runner tokens assigned to these machines (runners without a token run nowhere). */
    async runnersOn(machineIds: string[]): Promise<RunnerOnMachine[]> {
      if (machineIds.length === 0) return [];
      const rows = await prisma.assignment.findMany({
        where: { machineId: { in: machineIds }, runner: { token: { isNot: null } } },
        select: {
          machineId: true,
          limitOverride: true,
          effectiveLimit: true,
          runner: {
            select: {
              id: true,
              description: true,
              gitlabInstanceId: true,
              gitlabRunnerId: true,
              tags: true,
              runUntagged: true,
              paused: true,
              accessLevel: true,
              runnerType: true,
              projectId: true,
              gitlabInstance: { select: { url: true } },
              token: { select: { limitMode: true, limitValue: true } },
            },
          },
        },
        orderBy: [{ machineId: 'asc' }, { runner: { description: 'asc' } }, { runnerId: 'asc' }],
      });
      return rows.flatMap(({ machineId, limitOverride, effectiveLimit, runner: r }) =>
        r.token
          ? [
              {
                machineId,
                limitOverride,
                effectiveLimit,
                id: r.id,
                description: r.description,
                gitlabInstanceId: r.gitlabInstanceId,
                gitlabUrl: r.gitlabInstance.url,
                gitlabRunnerId: r.gitlabRunnerId,
                tags: r.tags,
                runUntagged: r.runUntagged,
                paused: r.paused,
                accessLevel: r.accessLevel,
                runnerType: r.runnerType,
                projectId: r.projectId,
                limitMode: r.token.limitMode,
                limitValue: r.token.limitValue,
                // the host is connected: this runner is online here, and capacity is judged by the caller
                online: true,
                running: 0,
                capacity: null,
              },
            ]
          : [],
      );
    },
    /** Pending jobs of the runner's GitLab whose tags it has (the caller applies the remaining rules). */
    async pendingJobsWithTagsOf(runner: RunnerOnMachine): Promise<PendingJob[]> {
      const rows = await prisma.$queryRaw<PendingJob[]>`
        SELECT gitlab_instance_id::text AS "gitlabInstanceId", tags, ref_protected AS "refProtected",
               project_id AS "projectId"
          FROM job_snapshots
         WHERE status = 'pending' AND gitlab_instance_id = ${runner.gitlabInstanceId}::uuid
           AND (CASE WHEN cardinality(tags) = 0 THEN ${runner.runUntagged} ELSE tags <@ ${runner.tags}::text[] END)
         LIMIT ${PENDING_SCAN}`;
      return rows;
    },
    /** Which of these ids are machines. */
    async existingIds(ids: string[]): Promise<Set<string>> {
      const rows = await prisma.machine.findMany({ where: { id: { in: ids } }, select: { id: true } });
      return new Set(rows.map((r) => r.id));
    },
    /** Ids of the machines matching every selector (`key=value` or `key`), in id order. */
    async idsMatchingLabels(selectors: string[]): Promise<string[]> {
      const rows = await prisma.$queryRaw<Array<{ id: string }>>`
        SELECT m.id::text FROM machines m WHERE ${Prisma.join(selectors.map(labelSql), ' AND ')} ORDER BY m.id`;
      return rows.map((r) => r.id);
    },
  };
}
export type MachinesRepository = ReturnType<typeof machinesRepository>;
