import type { RolloutStatus } from '@paddock/contracts';
import type { PrismaClient } from '../../db/client.js';

/** Where a rollout stands, machine by machine; null when there is no such rollout. */
export async function rolloutStatus(prisma: PrismaClient, id: string): Promise<RolloutStatus | null> {
  const rollout = await prisma.rollout.findUnique({
    where: { id },
    include: {
      revisions: { include: { machine: { select: { hostname: true } } }, orderBy: { machineId: 'asc' } },
    },
  });
  if (!rollout) return null;
  return {
    rolloutId: rollout.id,
    reason: rollout.reason,
    createdAt: rollout.createdAt.toISOString(),
    machines: rollout.revisions.map((r) => ({
      machineId: r.machineId,
      hostname: r.machine.hostname,
      revision: r.number,
      status: r.status,
      error: r.error,
      appliedAt: r.appliedAt?.toISOString() ?? null,
    })),
  };
}
