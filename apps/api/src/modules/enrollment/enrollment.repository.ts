import type { Prisma, PrismaClient } from '../../db/client.js';

/** Thrown inside the enrollment transaction, so the use it counted is rolled back. */
export class MachineStillEnrolled extends Error {
  constructor(readonly machineId: string) {
    super('machine still enrolled');
  }
}

export function enrollmentRepository(prisma: PrismaClient) {
  return {
    listTokens: () => prisma.enrollmentToken.findMany({ orderBy: { createdAt: 'desc' } }),
    createToken: (data: Prisma.EnrollmentTokenUncheckedCreateInput) =>
      prisma.enrollmentToken.create({ data }),
    revokeToken: (id: string) =>
      prisma.enrollmentToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } }),
    tokenExists: async (id: string) => (await prisma.enrollmentToken.count({ where: { id } })) > 0,

    /**
     * Uses one enrollment and issues a credential, atomically: the use is counted only if the token is still
     * valid at that instant, so two agents racing for the last use cannot both get in.
     */
    enroll: (args: {
      tokenHash: string;
      credentialHash: string;
      hostname: string;
      systemId: string | undefined;
      os: string | undefined;
      arch: string | undefined;
      agentVersion: string | undefined;
      now: Date;
    }) =>
      prisma.$transaction(async (tx) => {
        const used = await tx.$queryRaw<Array<{ id: string; labels: Prisma.JsonValue }>>`
          UPDATE enrollment_tokens SET uses = uses + 1
           WHERE token_hash = ${args.tokenHash} AND revoked_at IS NULL
             AND (expires_at IS NULL OR expires_at > ${args.now})
             AND (max_uses IS NULL OR uses < max_uses)
          RETURNING id, labels`;
        const token = used[0];
        if (!token) return { refused: 'token' as const };
        const existing = args.systemId
          ? await tx.machine.findUnique({ where: { systemId: args.systemId } })
          : null;
        // system_ids are not secret (GitLab and the machine list show them): an enrollment token alone must not
        // take over a machine whose agent still holds a live credential. An admin revokes that one first.
        if (existing) {
          const live = await tx.agentCredential.count({ where: { machineId: existing.id, revokedAt: null } });
          if (live > 0) throw new MachineStillEnrolled(existing.id);
        }
        const machine = existing
          ? await tx.machine.update({
              where: { id: existing.id },
              data: {
                hostname: args.hostname,
                os: args.os ?? existing.os,
                arch: args.arch ?? existing.arch,
                agentVersion: args.agentVersion ?? existing.agentVersion,
              },
            })
          : await tx.machine.create({
              data: {
                hostname: args.hostname,
                systemId: args.systemId ?? null,
                os: args.os ?? null,
                arch: args.arch ?? null,
                agentVersion: args.agentVersion ?? null,
                labels: (token.labels ?? {}) as Prisma.InputJsonValue,
              },
            });
        // A host enrolling again replaces its old credential: one live credential per machine.
        await tx.agentCredential.updateMany({
          where: { machineId: machine.id, revokedAt: null },
          data: { revokedAt: args.now },
        });
        await tx.agentCredential.create({
          data: { machineId: machine.id, tokenHash: args.credentialHash, enrollmentTokenId: token.id },
        });
        return { refused: null, machine, reenrolled: existing !== null };
      }),
  };
}
export type EnrollmentRepository = ReturnType<typeof enrollmentRepository>;
