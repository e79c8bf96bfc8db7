/**
 * Machines: hosts with a Paddock agent beside gitlab-runner. They are created when an agent enrolls; here they are
 * listed, labelled and removed.
 */
import type {
  ListMachinesQuery,
  Machine,
  MachinePage,
  RevisionState,
  UpdateMachineBody,
} from '@paddock/contracts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { NotFoundError } from '../../lib/errors.js';
import { sortSpec, type MachineRow, type MachinesRepository } from './machines.repository.js';

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

export function toMachineDto(row: MachineRow): Machine {
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
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function machinesService(deps: { repo: MachinesRepository }) {
  const { repo } = deps;
  return {
    async list(query: ListMachinesQuery): Promise<MachinePage> {
      const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : null;
      const { rows, hasMore, total } = await repo.list(query, cursor);
      const last = rows.at(-1);
      const { field } = sortSpec(query.sort);
      const lastValue = (row: MachineRow) => {
        const v = row[field];
        return v instanceof Date ? v.toISOString() : v;
      };
      return {
        items: rows.map(toMachineDto),
        nextCursor: hasMore && last ? encodeCursor({ s: query.sort, v: lastValue(last), id: last.id }) : null,
        total,
      };
    },
    async get(id: string): Promise<Machine> {
      const row = await repo.get(id);
      if (!row) throw new NotFoundError('Machine', id);
      return toMachineDto(row);
    },
    async getMany(ids: string[]): Promise<Machine[]> {
      return (await repo.getMany(ids)).map(toMachineDto);
    },
    async update(id: string, body: UpdateMachineBody): Promise<Machine> {
      return toMachineDto(await repo.updateLabels(id, body.labels));
    },
    async delete(id: string): Promise<void> {
      await repo.delete(id);
    },
  };
}
