/**
 * What the agent gateway reads and writes. Every method checks ownership through `machineId`, which comes from
 * the authenticated credential, never from the agent's frames: an agent can only ever change its own machine.
 */
import type { Hello, Status, TokenRotated } from '@paddock/protocol';
import type { Prisma, PrismaClient } from '../db/client.js';
import { last4, type SecretBox } from '../lib/secrets.js';

const NO_EXPIRY = '0001-01-01T00:00:00Z';

export function gatewayStore(deps: { prisma: PrismaClient; secrets: SecretBox; replicaId: string }) {
  const { prisma, secrets, replicaId } = deps;
  return {
    /** The machine a live credential belongs to, or null. */
    async machineForCredential(credentialHash: string) {
      const cred = await prisma.agentCredential.findUnique({
        where: { tokenHash: credentialHash },
        select: { id: true, revokedAt: true, machineId: true },
      });
      return cred && !cred.revokedAt ? cred : null;
    },

    credentialUsed: (credentialId: string) =>
      prisma.agentCredential
        .update({ where: { id: credentialId }, data: { lastUsedAt: new Date() }, select: { id: true } })
        .catch(() => null),

    /** Binds the reported system_id to this machine; false when another machine already has it. */
    async claimSystemId(machineId: string, systemId: string): Promise<boolean> {
      const owner = await prisma.machine.findUnique({ where: { systemId }, select: { id: true } });
      if (owner) return owner.id === machineId;
      try {
        await prisma.machine.update({ where: { id: machineId }, data: { systemId } });
        return true;
      } catch {
        return false;
      }
    },

    async recordHello(machineId: string, hello: Hello): Promise<void> {
      // The applied revision counts only if it is one Paddock made for this machine with the same content.
      const known = hello.applied
        ? await prisma.configRevision.findUnique({
            where: { machineId_number: { machineId, number: hello.applied.number } },
            select: { sha256: true },
          })
        : null;
      const applied = hello.applied && known?.sha256 === hello.applied.sha256 ? hello.applied : null;
      const now = new Date();
      await prisma.machine.update({
        where: { id: machineId },
        data: {
          connectionState: 'online',
          connectedAt: now,
          lastSeenAt: now,
          connectedVia: replicaId,
          hostname: hello.hostname,
          os: hello.os,
          arch: hello.arch,
          agentVersion: hello.agentVersion,
          runnerVersion: hello.runnerVersion,
          diskSha256: hello.diskSha256,
          appliedRevision: applied?.number ?? null,
          appliedSha256: applied?.sha256 ?? null,
          ...(hello.cpuCount !== undefined && { cpuCount: hello.cpuCount }),
          ...(hello.memoryBytes !== undefined && { memoryBytes: BigInt(hello.memoryBytes) }),
        },
      });
    },

    touch: (machineId: string) =>
      prisma.machine.update({
        where: { id: machineId },
        data: { lastSeenAt: new Date(), connectionState: 'online' },
        select: { id: true },
      }),

    /** Marks the machine offline unless it has meanwhile connected through another replica. */
    async markOffline(machineId: string): Promise<void> {
      await prisma.machine.updateMany({
        where: { id: machineId, connectedVia: replicaId },
        data: { connectionState: 'offline' },
      });
    },

    /** Machines whose agent has been silent longer than `silentMs`, wherever they were connected. */
    async sweepOffline(silentMs: number): Promise<string[]> {
      const rows = await prisma.$queryRaw<Array<{ id: string }>>`
        UPDATE machines SET connection_state = 'offline'
         WHERE connection_state = 'online' AND last_seen_at < ${new Date(Date.now() - silentMs)}
        RETURNING id`;
      return rows.map((r) => r.id);
    },

    /** True when the revision is one Paddock made for this machine with this hash. */
    async markApplied(machineId: string, revision: number, sha256: string): Promise<boolean> {
      return prisma.$transaction(async (tx) => {
        const row = await tx.configRevision.findUnique({
          where: { machineId_number: { machineId, number: revision } },
          select: { sha256: true },
        });
        if (!row || row.sha256 !== sha256) return false;
        const now = new Date();
        await tx.configRevision.update({
          where: { machineId_number: { machineId, number: revision } },
          data: { status: 'applied', appliedAt: now, error: null },
        });
        await tx.configRevision.updateMany({
          where: { machineId, number: { lt: revision }, status: 'pending' },
          data: { status: 'superseded' },
        });
        // Revisions only move forward: a late `applied` for an older one does not roll the machine back.
        await tx.machine.updateMany({
          where: { id: machineId, OR: [{ appliedRevision: null }, { appliedRevision: { lte: revision } }] },
          data: {
            appliedRevision: revision,
            appliedSha256: sha256,
            diskSha256: sha256,
            applyError: null,
            driftSha256: null,
            driftKeys: [],
            driftDetectedAt: null,
          },
        });
        return true;
      });
    },

    async markFailed(machineId: string, revision: number, error: string): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const updated = await tx.configRevision.updateMany({
          where: { machineId, number: revision, status: { in: ['pending', 'failed'] } },
          data: { status: 'failed', error },
        });
        if (updated.count === 0) return;
        await tx.machine.updateMany({
          where: { id: machineId, desiredRevision: revision },
          data: { applyError: error },
        });
      });
    },

    async recordStatus(machineId: string, status: Status): Promise<void> {
      await prisma.machine.update({
        where: { id: machineId },
        data: {
          lastSeenAt: new Date(),
          connectionState: 'online',
          diskSha256: status.diskSha256,
          cpuCount: status.host.cpuCount,
          memoryBytes: BigInt(status.host.memoryBytes),
          ...(status.runner.version && { runnerVersion: status.runner.version }),
          lastStatus: status as unknown as Prisma.InputJsonValue,
        },
        select: { id: true },
      });
    },

    async recordDrift(machineId: string, diskSha256: string | null, paths: string[]): Promise<void> {
      if (paths.length === 0) {
        await prisma.machine.update({
          where: { id: machineId },
          data: { driftSha256: null, driftKeys: [], driftDetectedAt: null, diskSha256 },
          select: { id: true },
        });
        return;
      }
      await prisma.$executeRaw`
        UPDATE machines SET drift_sha256 = ${diskSha256 ?? '0'.repeat(64)}, drift_keys = ${paths}::text[],
               drift_detected_at = COALESCE(drift_detected_at, now()), disk_sha256 = ${diskSha256}
         WHERE id = ${machineId}::uuid`;
    },

    /**
     * Stores tokens gitlab-runner rotated itself, for runners assigned to this machine only. Returns the ids of
     * the runners whose token changed, so their other machines can be re-rendered with it.
     */
    async adoptRotatedTokens(machineId: string, message: TokenRotated): Promise<string[]> {
      const adopted: string[] = [];
      for (const t of message.tokens) {
        const url = t.runner.url.replace(/\/+$/, '');
        const assignment = await prisma.assignment.findFirst({
          where: { machineId, runner: { gitlabRunnerId: t.runner.id, gitlabInstance: { url } } },
          select: { runnerId: true },
        });
        if (!assignment) continue;
        const expires = t.tokenExpiresAt === NO_EXPIRY ? null : new Date(t.tokenExpiresAt);
        const obtained = new Date(t.tokenObtainedAt);
        if (Number.isNaN(obtained.getTime()) || (expires && Number.isNaN(expires.getTime()))) continue;
        await prisma.runnerToken.update({
          where: { runnerId: assignment.runnerId },
          data: {
            ciphertext: secrets.encrypt(t.token, 'runner-token'),
            last4: last4(t.token),
            obtainedAt: obtained,
            expiresAt: expires,
            rotatedAt: new Date(),
          },
        });
        adopted.push(assignment.runnerId);
      }
      return adopted;
    },
  };
}
export type GatewayStore = ReturnType<typeof gatewayStore>;
