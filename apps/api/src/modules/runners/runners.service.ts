/**
 * Runners as Paddock knows them: GitLab's settings, the token's limits (never the token) and where they run.
 */
import type { ListRunnersQuery, Runner, RunnerDetail, RunnerPage } from '@paddock/contracts';
import { carriedTotal, decodeCursor, encodeCursor, filterKey } from '../../lib/cursor.js';
import { NotFoundError } from '../../lib/errors.js';
import type { RunnerDetailRow, RunnerListRow, RunnerRow, RunnersRepository } from './runners.repository.js';

const CURSOR_SORT = '-id';

export function toRunnerDto(row: RunnerRow): Runner {
  const t = row.token;
  return {
    id: row.id,
    gitlabInstanceId: row.gitlabInstanceId,
    gitlabRunnerId: row.gitlabRunnerId,
    runnerType: row.runnerType,
    groupId: row.groupId,
    projectId: row.projectId,
    description: row.description,
    tags: row.tags,
    runUntagged: row.runUntagged,
    locked: row.locked,
    paused: row.paused,
    accessLevel: row.accessLevel,
    maximumTimeout: row.maximumTimeout,
    maintenanceNote: row.maintenanceNote,
    executor: row.executor,
    source: row.source,
    gitlabStatus: row.gitlabStatus,
    contactedAt: row.contactedAt?.toISOString() ?? null,
    syncedAt: row.syncedAt?.toISOString() ?? null,
    token: t && {
      last4: t.last4,
      obtainedAt: t.obtainedAt.toISOString(),
      expiresAt: t.expiresAt?.toISOString() ?? null,
      rotatedAt: t.rotatedAt?.toISOString() ?? null,
      limitMode: t.limitMode,
      limitValue: t.limitValue,
      requestConcurrency: t.requestConcurrency,
    },
    machineCount: row._count.assignments,
    managerCount: row._count.managers,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A list row, already in the page's shape but for the token's fields. */
export function toRunnerListDto(row: RunnerListRow): Runner {
  return {
    id: row.id,
    gitlabInstanceId: row.gitlabInstanceId,
    gitlabRunnerId: row.gitlabRunnerId,
    runnerType: row.runnerType,
    groupId: row.groupId,
    projectId: row.projectId,
    description: row.description,
    tags: row.tags,
    runUntagged: row.runUntagged,
    locked: row.locked,
    paused: row.paused,
    accessLevel: row.accessLevel,
    maximumTimeout: row.maximumTimeout,
    maintenanceNote: row.maintenanceNote,
    executor: row.executor,
    source: row.source,
    gitlabStatus: row.gitlabStatus,
    contactedAt: row.contactedAt,
    syncedAt: row.syncedAt,
    token:
      row.tokenLast4 === null
        ? null
        : {
            last4: row.tokenLast4,
            obtainedAt: row.tokenObtainedAt!,
            expiresAt: row.tokenExpiresAt,
            rotatedAt: row.tokenRotatedAt,
            limitMode: row.tokenLimitMode!,
            limitValue: row.tokenLimitValue!,
            requestConcurrency: row.tokenRequestConcurrency,
          },
    machineCount: row.machineCount,
    managerCount: row.managerCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toRunnerDetailDto(row: RunnerDetailRow): RunnerDetail {
  const managedMachines = new Set(row.managers.map((m) => m.machineId));
  return {
    ...toRunnerDto(row),
    assignments: row.assignments.map((a) => ({
      machineId: a.machine.id,
      hostname: a.machine.hostname,
      systemId: a.machine.systemId,
      limitOverride: a.limitOverride,
      requestConcurrencyOverride: a.requestConcurrencyOverride,
      effectiveLimit: a.effectiveLimit,
    })),
    managers: row.managers.map((m) => ({
      systemId: m.systemId,
      gitlabManagerId: m.gitlabManagerId,
      version: m.version,
      platform: m.platform,
      architecture: m.architecture,
      ipAddress: m.ipAddress,
      status: m.status,
      contactedAt: m.contactedAt?.toISOString() ?? null,
      machine: m.machine && { id: m.machine.id, hostname: m.machine.hostname },
    })),
    machinesWithoutManager: row.assignments
      .filter((a) => !managedMachines.has(a.machine.id))
      .map((a) => ({ machineId: a.machine.id, hostname: a.machine.hostname, systemId: a.machine.systemId })),
  };
}

export function runnersService(deps: { repo: RunnersRepository }) {
  const { repo } = deps;
  return {
    async list(query: ListRunnersQuery): Promise<RunnerPage> {
      const cursor = query.cursor ? decodeCursor(query.cursor, CURSOR_SORT) : null;
      const { rows, hasMore, total } = await repo.list(
        query,
        cursor?.id ?? null,
        carriedTotal(cursor, query),
      );
      const last = rows.at(-1);
      return {
        items: rows.map(toRunnerListDto),
        nextCursor:
          hasMore && last
            ? encodeCursor({ s: CURSOR_SORT, v: null, id: last.id, t: total, f: filterKey(query) })
            : null,
        total,
      };
    },
    async get(id: string): Promise<RunnerDetail> {
      const row = await repo.get(id);
      if (!row) throw new NotFoundError('Runner', id);
      return toRunnerDetailDto(row);
    },
  };
}
