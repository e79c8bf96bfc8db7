/**
 * Runner reads. List pages are one SQL query (plus a count on the first page): Prisma's `include` with `_count`
 * aggregates the whole assignments table for every page, which costs ten times more than a correlated count on the
 * indexed column.
 */
import type { ListRunnersQuery, RunnerStatusFilter } from '@paddock/contracts';
import { Prisma, type PrismaClient } from '../../db/client.js';
import { escapeLike } from '../../lib/sql.js';

const include = { token: true, _count: { select: { assignments: true, managers: true } } } as const;
const includeDetail = {
  ...include,
  assignments: {
    include: { machine: { select: { id: true, hostname: true, systemId: true } } },
    orderBy: { machine: { hostname: 'asc' } },
  },
  managers: {
    include: { machine: { select: { id: true, hostname: true } } },
    orderBy: { systemId: 'asc' },
  },
} as const;

export type RunnerRow = Prisma.RunnerGetPayload<{ include: typeof include }>;
export type RunnerDetailRow = Prisma.RunnerGetPayload<{ include: typeof includeDetail }>;

/**
 * A list row as the page shows it: timestamps already ISO-8601 text (made by Postgres, in the same form as
 * `Date#toISOString`), so a page of 100 is mapped once, without a Date per timestamp.
 */
export interface RunnerListRow {
  id: string;
  gitlabInstanceId: string;
  gitlabRunnerId: number;
  runnerType: RunnerRow['runnerType'];
  groupId: number | null;
  projectId: number | null;
  description: string;
  tags: string[];
  runUntagged: boolean;
  locked: boolean;
  paused: boolean;
  accessLevel: RunnerRow['accessLevel'];
  maximumTimeout: number | null;
  maintenanceNote: string | null;
  executor: string;
  source: RunnerRow['source'];
  gitlabStatus: string | null;
  contactedAt: string | null;
  syncedAt: string | null;
  createdAt: string;
  updatedAt: string;
  tokenLast4: string | null;
  tokenObtainedAt: string | null;
  tokenExpiresAt: string | null;
  tokenRotatedAt: string | null;
  tokenLimitMode: 'per_machine' | 'fleet_budget' | null;
  tokenLimitValue: number | null;
  tokenRequestConcurrency: number | null;
  machineCount: number;
  managerCount: number;
}

/** A timestamp column as `Date#toISOString` writes it (UTC, milliseconds, `Z`). */
const iso = (column: Prisma.Sql) =>
  Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

function statusSql(statuses: RunnerStatusFilter[]): Prisma.Sql {
  const gitlab = statuses.filter((s) => s !== 'paused');
  const parts: Prisma.Sql[] = [];
  if (gitlab.length) parts.push(Prisma.sql`r.gitlab_status = ANY(${gitlab}::text[])`);
  if (statuses.includes('paused')) parts.push(Prisma.sql`r.paused`);
  return Prisma.sql`(${Prisma.join(parts, ' OR ')})`;
}

function whereSql(query: ListRunnersQuery): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (query.tag?.length) where.push(Prisma.sql`r.tags @> ${query.tag}::text[]`);
  if (query.status?.length) where.push(statusSql(query.status));
  if (query.machineId) {
    where.push(
      Prisma.sql`EXISTS (SELECT 1 FROM assignments a WHERE a.runner_id = r.id AND a.machine_id = ${query.machineId}::uuid)`,
    );
  }
  if (query.gitlabInstanceId) where.push(Prisma.sql`r.gitlab_instance_id = ${query.gitlabInstanceId}::uuid`);
  if (query.q) where.push(Prisma.sql`r.description ILIKE ${`%${escapeLike(query.q)}%`}`);
  return where;
}

const and = (parts: Prisma.Sql[]) =>
  parts.length ? Prisma.sql`WHERE ${Prisma.join(parts, ' AND ')}` : Prisma.empty;

export function runnersRepository(prisma: PrismaClient) {
  return {
    /**
     * Newest first; ids are UUIDv7, so id order is creation order and makes a stable keyset. `knownTotal` is the
     * total a cursor carried for the same filters: the matching rows are then not counted again.
     */
    async list(query: ListRunnersQuery, afterId: string | null, knownTotal: number | null = null) {
      const where = whereSql(query);
      const page = afterId ? [...where, Prisma.sql`r.id < ${afterId}::uuid`] : where;
      const [rows, count] = await Promise.all([
        prisma.$queryRaw<RunnerListRow[]>`
          SELECT r.id::text, r.gitlab_instance_id::text AS "gitlabInstanceId",
                 r.gitlab_runner_id AS "gitlabRunnerId", r.runner_type::text AS "runnerType",
                 r.group_id AS "groupId", r.project_id AS "projectId", r.description, r.tags,
                 r.run_untagged AS "runUntagged", r.locked, r.paused, r.access_level::text AS "accessLevel",
                 r.maximum_timeout AS "maximumTimeout", r.maintenance_note AS "maintenanceNote", r.executor,
                 r.source::text AS source, r.gitlab_status AS "gitlabStatus",
                 ${iso(Prisma.sql`r.contacted_at`)} AS "contactedAt", ${iso(Prisma.sql`r.synced_at`)} AS "syncedAt",
                 ${iso(Prisma.sql`r.created_at`)} AS "createdAt", ${iso(Prisma.sql`r.updated_at`)} AS "updatedAt",
                 t.last4 AS "tokenLast4", ${iso(Prisma.sql`t.obtained_at`)} AS "tokenObtainedAt",
                 ${iso(Prisma.sql`t.expires_at`)} AS "tokenExpiresAt", ${iso(Prisma.sql`t.rotated_at`)} AS "tokenRotatedAt",
                 t.limit_mode::text AS "tokenLimitMode", t.limit_value AS "tokenLimitValue",
                 t.request_concurrency AS "tokenRequestConcurrency",
                 (SELECT count(*)::int FROM assignments a WHERE a.runner_id = r.id) AS "machineCount",
                 (SELECT count(*)::int FROM runner_managers rm WHERE rm.runner_id = r.id) AS "managerCount"
            FROM runners r LEFT JOIN runner_tokens t ON t.runner_id = r.id
            ${and(page)}
           ORDER BY r.id DESC
           LIMIT ${query.limit + 1}`,
        knownTotal === null
          ? prisma.$queryRaw<[{ n: number }]>`SELECT count(*)::int AS n FROM runners r ${and(where)}`
          : [{ n: knownTotal }],
      ]);
      return {
        rows: rows.slice(0, query.limit),
        hasMore: rows.length > query.limit,
        total: count[0].n,
      };
    },
    get: (id: string) => prisma.runner.findUnique({ where: { id }, include: includeDetail }),
    gitlabInstance: (id: string) =>
      prisma.gitlabInstance.findUnique({
        where: { id },
        select: { id: true, url: true, accessTokenCiphertext: true },
      }),
    /** A registered runner, its token and its assignments: all stored, or none. Returns the runner's id. */
    createRegistered: (input: {
      runner: Omit<Prisma.RunnerUncheckedCreateInput, 'token' | 'assignments'>;
      token: Prisma.RunnerTokenCreateWithoutRunnerInput;
      machineIds: string[];
    }) =>
      prisma.$transaction(async (tx) => {
        const runner = await tx.runner.create({
          data: { ...input.runner, token: { create: input.token } },
          select: { id: true },
        });
        await tx.assignment.createMany({
          data: input.machineIds.map((machineId) => ({ runnerId: runner.id, machineId })),
        });
        return runner.id;
      }),
  };
}
export type RunnersRepository = ReturnType<typeof runnersRepository>;
