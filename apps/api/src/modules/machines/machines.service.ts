/**
 * Machines: hosts with a Paddock agent beside gitlab-runner. They are created when an agent enrolls; here they are
 * listed, labelled and removed. Every machine read also carries its host figures and, when the host has been
 * under pressure (or idle with jobs waiting) long enough, the flag with a suggested limit per runner token.
 */
import type {
  ListMachinesQuery,
  Machine,
  MachineHost,
  MachinePage,
  MachinePressure,
  RevisionState,
  UpdateMachineBody,
} from '@paddock/contracts';
import { RunnerJobs, Status } from '@paddock/protocol';
import { z } from 'zod';
import { carriedTotal, decodeCursor, encodeCursor, filterKey } from '../../lib/cursor.js';
import { NotFoundError } from '../../lib/errors.js';
import { eligibleRunners } from '../jobs/matching.js';
import {
  cpuPercent,
  flaggedLevel,
  memoryPercent,
  suggestHigherLimit,
  suggestLowerLimit,
} from '../pressure/pressure.js';
import {
  sortSpec,
  type MachineRow,
  type MachinesRepository,
  type RunnerOnMachine,
} from './machines.repository.js';

function revisionState(row: MachineRow): RevisionState {
  if (row.desiredRevision === 0) return 'none';
  if (row.applyError) return 'failed';
  return row.appliedRevision === row.desiredRevision ? 'in_sync' : 'applying';
}

function asLabels(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

const LastStatus = z.object({
  host: Status.shape.host,
  runner: z.object({ jobs: z.array(RunnerJobs).catch([]) }).catch({ jobs: [] }),
});
type LastStatus = z.infer<typeof LastStatus>;

/** The last status as stored, or null when there is none or it does not read (an agent from before it existed). */
function lastStatusOf(row: MachineRow): LastStatus | null {
  const parsed = LastStatus.safeParse(row.lastStatus);
  return parsed.success ? parsed.data : null;
}

function hostOf(status: LastStatus | null): MachineHost | null {
  if (!status) return null;
  const { host } = status;
  return {
    cpuCount: host.cpuCount,
    load1: host.load1,
    cpuBusyPercent: host.cpuBusyPercent ?? null,
    cpuPercent: cpuPercent(host),
    memoryBytes: host.memoryBytes,
    memoryAvailableBytes: host.memoryAvailableBytes,
    memoryPercent: memoryPercent(host),
    runningJobs: status.runner.jobs.reduce((sum, j) => sum + j.running, 0),
  };
}

const trimUrl = (url: string) => url.replace(/\/+$/, '');

/** The runner's jobs running on this host, as its last status counted them. */
function runningOf(runner: RunnerOnMachine, status: LastStatus): number {
  const url = trimUrl(runner.gitlabUrl);
  return status.runner.jobs
    .filter((j) => j.runner.id === runner.gitlabRunnerId && trimUrl(j.runner.url) === url)
    .reduce((sum, j) => sum + j.running, 0);
}

export function toMachineDto(row: MachineRow, pressure: MachinePressure | null = null): Machine {
  return {
    id: row.id,
    systemId: row.systemId,
    hostname: row.hostname,
    labels: asLabels(row.labels),
    os: row.os,
    arch: row.arch,
    agentVersion: row.agentVersion,
    runnerVersion: row.runnerVersion,
    connectionState: row.connectionState,
    connectedAt: row.connectedAt?.toISOString() ?? null,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    desiredRevision: row.desiredRevision,
    appliedRevision: row.appliedRevision,
    revisionState: revisionState(row),
    drainingSince: row.drainingSince?.toISOString() ?? null,
    drifting: row.driftSha256 !== null,
    driftKeys: row.driftKeys,
    concurrent: row.concurrent,
    checkInterval: row.checkInterval,
    cpuCount: row.cpuCount,
    memoryBytes: row.memoryBytes === null ? null : Number(row.memoryBytes),
    runnerCount: row._count.assignments,
    host: hostOf(lastStatusOf(row)),
    pressure,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function machinesService(deps: { repo: MachinesRepository; now?: () => Date }) {
  const { repo } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * The flag and suggestions for the flagged machines among `rows`. Only flagged machines cost queries, and an
   * idle one only when some runner there is at its limit: the common case (a calm fleet) reads nothing more.
   */
  async function pressures(rows: MachineRow[]): Promise<Map<string, MachinePressure>> {
    const at = now();
    const flagged = rows.flatMap((row) => {
      const status = lastStatusOf(row);
      const flag = flaggedLevel(
        { highSince: row.pressureHighSince, idleSince: row.pressureIdleSince },
        at,
        row.connectionState === 'online',
      );
      return flag && status ? [{ row, status, flag }] : [];
    });
    const result = new Map<string, MachinePressure>();
    if (flagged.length === 0) return result;
    const runners = await repo.runnersOn(flagged.map((f) => f.row.id));
    for (const { row, status, flag } of flagged) {
      const observedPercent = Math.max(cpuPercent(status.host), memoryPercent(status.host));
      const entries = [];
      for (const runner of runners.filter((r) => r.machineId === row.id)) {
        const running = runningOf(runner, status);
        const limit = runner.effectiveLimit ?? 0;
        let waiting = 0;
        let suggestedLimit: number | null = null;
        if (flag.level === 'high') {
          suggestedLimit = suggestLowerLimit({ running, limit, observedPercent });
        } else if (limit > 0 && running >= limit) {
          const jobs = await repo.pendingJobsWithTagsOf(runner);
          waiting = jobs.filter((job) => eligibleRunners(job, [runner]).length > 0).length;
          suggestedLimit = suggestHigherLimit({ running, limit, waiting, observedPercent });
        }
        entries.push({
          runnerId: runner.id,
          description: runner.description || null,
          limitMode: runner.limitMode,
          limitValue: runner.limitValue,
          limitOverride: runner.limitOverride,
          effectiveLimit: runner.effectiveLimit,
          running,
          waiting,
          suggestedLimit,
        });
      }
      // An idle host is only worth a flag when it can take more of the jobs waiting for it.
      if (flag.level === 'idle' && !entries.some((e) => e.suggestedLimit !== null)) continue;
      result.set(row.id, { level: flag.level, since: flag.since.toISOString(), runners: entries });
    }
    return result;
  }

  async function toDtos(rows: MachineRow[]): Promise<Machine[]> {
    const flags = await pressures(rows);
    return rows.map((row) => toMachineDto(row, flags.get(row.id) ?? null));
  }

  return {
    async list(query: ListMachinesQuery): Promise<MachinePage> {
      const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : null;
      const { rows, hasMore, total } = await repo.list(query, cursor, carriedTotal(cursor, query));
      const last = rows.at(-1);
      const { field } = sortSpec(query.sort);
      const lastValue = (row: MachineRow) => {
        const v = row[field];
        return v instanceof Date ? v.toISOString() : v;
      };
      return {
        items: await toDtos(rows),
        nextCursor:
          hasMore && last
            ? encodeCursor({ s: query.sort, v: lastValue(last), id: last.id, t: total, f: filterKey(query) })
            : null,
        total,
      };
    },
    async get(id: string): Promise<Machine> {
      const row = await repo.get(id);
      if (!row) throw new NotFoundError('Machine', id);
      return (await toDtos([row]))[0]!;
    },
    async getMany(ids: string[]): Promise<Machine[]> {
      return toDtos(await repo.getMany(ids));
    },
    async update(id: string, body: UpdateMachineBody): Promise<Machine> {
      return (await toDtos([await repo.updateLabels(id, body.labels)]))[0]!;
    },
    async delete(id: string): Promise<void> {
      await repo.delete(id);
    },
  };
}
