import type { PrismaClient } from '../../db/client.js';

/** The `agent_credentials` rows of machines. Hashes are never selected: nothing here can return one. */
export function credentialsRepository(prisma: PrismaClient) {
  const columns = {
    id: true,
    machineId: true,
    enrollmentTokenId: true,
    lastUsedAt: true,
    revokedAt: true,
    createdAt: true,
  } as const;
  return {
    machineExists: async (machineId: string) =>
      (await prisma.machine.count({ where: { id: machineId } })) > 0,

    listOfMachine: (machineId: string) =>
      prisma.agentCredential.findMany({
        where: { machineId },
        select: columns,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),

    liveOfMachine: (machineId: string) =>
      prisma.agentCredential.findMany({
        where: { machineId, revokedAt: null },
        select: { id: true },
        orderBy: { createdAt: 'asc' },
      }),

    revokeAllOfMachine: (machineId: string, at: Date) =>
      prisma.agentCredential.updateMany({ where: { machineId, revokedAt: null }, data: { revokedAt: at } }),
  };
}
export type CredentialsRepository = ReturnType<typeof credentialsRepository>;
