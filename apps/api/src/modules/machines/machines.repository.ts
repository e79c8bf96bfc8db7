import type { ListMachinesQuery, MachineSort, MachineStatusFilter } from '@paddock/contracts';
import { Prisma, type PrismaClient } from '../../db/client.js';
import type { CursorPayload } from '../../lib/cursor.js';

const include = { _count: { select: { assignments: true } } } as const;

export type MachineRow = Prisma.MachineGetPayload<{ include: typeof include }>;

type SortField = 'hostname' | 'lastSeenAt' | 'createdAt';

export function sortSpec(sort: MachineSort): { field: SortField; dir: 'asc' | 'desc' } {
  return sort.startsWith('-')
    ? { field: sort.slice(1) as SortField, dir: 'desc' }
    : { field: sort as SortField, dir: 'asc' };
}

function statusWhere(
  status: MachineStatusFilter,
  machine: PrismaClient['machine'],
): Prisma.MachineWhereInput {
  switch (status) {
    case 'online':
    case 'offline':
    case 'never_connected':
      return { connectionState: status };
    case 'draining':
      return { drainingSince: { not: null } };
    case 'drifting':
      return { driftSha256: { not: null } };
    case 'failed':
      return { applyError: { not: null } };
    case 'applying':
      return {
        desiredRevision: { gt: 0 },
        applyError: null,
        OR: [{ appliedRevision: null }, { appliedRevision: { lt: machine.fields.desiredRevision } }],
      };
  }
}

function labelWhere(selector: string): Prisma.MachineWhereInput {
  const eq = selector.indexOf('=');
  if (eq === -1) return { labels: { path: [selector], not: Prisma.AnyNull } };
  return { labels: { path: [selector.slice(0, eq)], equals: selector.slice(eq + 1) } };
}

/** Rows after the cursor in `field dir, id dir` order; nulls (never seen) sort last either way. */
function afterCursor(field: SortField, dir: 'asc' | 'desc', cursor: CursorPayload): Prisma.MachineWhereInput {
  const cmp = dir === 'asc' ? 'gt' : 'lt';
  const value = field === 'hostname' ? cursor.v : cursor.v === null ? null : new Date(cursor.v);
  if (value === null) return { AND: [{ [field]: null }, { id: { [cmp]: cursor.id } }] };
  const tail: Prisma.MachineWhereInput[] = field === 'lastSeenAt' ? [{ lastSeenAt: null }] : [];
  return {
    OR: [{ [field]: { [cmp]: value } }, { AND: [{ [field]: value }, { id: { [cmp]: cursor.id } }] }, ...tail],
  };
}

export function machinesRepository(prisma: PrismaClient) {
  return {
    async list(query: ListMachinesQuery, cursor: CursorPayload | null) {
      const filters: Prisma.MachineWhereInput[] = [];
      if (query.status?.length) filters.push({ OR: query.status.map((s) => statusWhere(s, prisma.machine)) });
      for (const selector of query.label ?? []) filters.push(labelWhere(selector));
      if (query.q) {
        filters.push({
          OR: [
            { hostname: { contains: query.q, mode: 'insensitive' } },
            { systemId: { contains: query.q, mode: 'insensitive' } },
          ],
        });
      }
      const where: Prisma.MachineWhereInput = { AND: filters };
      const { field, dir } = sortSpec(query.sort);
      const [rows, total] = await Promise.all([
        prisma.machine.findMany({
          where: cursor ? { AND: [where, afterCursor(field, dir, cursor)] } : where,
          orderBy: [
            field === 'lastSeenAt' ? { lastSeenAt: { sort: dir, nulls: 'last' } } : { [field]: dir },
            { id: dir },
          ],
          take: query.limit + 1,
          include,
        }),
        prisma.machine.count({ where }),
      ]);
      return { rows: rows.slice(0, query.limit), hasMore: rows.length > query.limit, total };
    },
    get: (id: string) => prisma.machine.findUnique({ where: { id }, include }),
    updateLabels: (id: string, labels: Record<string, string>) =>
      prisma.machine.update({ where: { id }, data: { labels }, include }),
    delete: (id: string) => prisma.machine.delete({ where: { id } }),
  };
}
export type MachinesRepository = ReturnType<typeof machinesRepository>;
