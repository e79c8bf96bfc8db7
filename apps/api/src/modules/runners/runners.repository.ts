import type { ListRunnersQuery, RunnerStatusFilter } from '@paddock/contracts';
import type { Prisma, PrismaClient } from '../../db/client.js';

const include = { token: true, _count: { select: { assignments: true } } } as const;
const includeDetail = {
  ...include,
  assignments: {
    include: { machine: { select: { id: true, hostname: true, systemId: true } } },
    orderBy: { machine: { hostname: 'asc' } },
  },
} as const;

export type RunnerRow = Prisma.RunnerGetPayload<{ include: typeof include }>;
export type RunnerDetailRow = Prisma.RunnerGetPayload<{ include: typeof includeDetail }>;

function statusWhere(status: RunnerStatusFilter): Prisma.RunnerWhereInput {
  return status === 'paused' ? { paused: true } : { gitlabStatus: status };
}

export function runnersRepository(prisma: PrismaClient) {
  return {
    /** Newest first; ids are UUIDv7, so id order is creation order and makes a stable keyset. */
    async list(query: ListRunnersQuery, afterId: string | null) {
      const filters: Prisma.RunnerWhereInput[] = [];
      if (query.tag?.length) filters.push({ tags: { hasEvery: query.tag } });
      if (query.status?.length) filters.push({ OR: query.status.map(statusWhere) });
      if (query.machineId) filters.push({ assignments: { some: { machineId: query.machineId } } });
      if (query.gitlabInstanceId) filters.push({ gitlabInstanceId: query.gitlabInstanceId });
      if (query.q) filters.push({ description: { contains: query.q, mode: 'insensitive' } });
      const where: Prisma.RunnerWhereInput = { AND: filters };
      const [rows, total] = await Promise.all([
        prisma.runner.findMany({
          where: afterId ? { AND: [where, { id: { lt: afterId } }] } : where,
          orderBy: { id: 'desc' },
          take: query.limit + 1,
          include,
        }),
        prisma.runner.count({ where }),
      ]);
      return { rows: rows.slice(0, query.limit), hasMore: rows.length > query.limit, total };
    },
    get: (id: string) => prisma.runner.findUnique({ where: { id }, include: includeDetail }),
  };
}
export type RunnersRepository = ReturnType<typeof runnersRepository>;
