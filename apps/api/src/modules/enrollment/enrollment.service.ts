/**
 * Enrollment: operators create enrollment tokens; an agent trades one for its machine's credential. Tokens and
 * credentials are stored as hashes only and shown once.
 */
import type {
  CreateEnrollmentTokenBody,
  CreatedEnrollmentToken,
  EnrollAgentBody,
  EnrollAgentResponse,
  EnrollmentToken,
} from '@paddock/contracts';
import { ConflictError, NotFoundError, UnauthorizedError } from '../../lib/errors.js';
import { generateToken, hashToken } from '../../lib/tokens.js';
import { MachineStillEnrolled, type EnrollmentRepository } from './enrollment.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;

type TokenRow = Awaited<ReturnType<EnrollmentRepository['createToken']>>;

function toDto(row: TokenRow, now: Date): EnrollmentToken {
  const labels = (row.labels ?? {}) as Record<string, string>;
  return {
    id: row.id,
    name: row.name,
    maxUses: row.maxUses,
    uses: row.uses,
    labels,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    active:
      row.revokedAt === null &&
      (row.expiresAt === null || row.expiresAt > now) &&
      (row.maxUses === null || row.uses < row.maxUses),
  };
}

export function enrollmentService(deps: { repo: EnrollmentRepository; now?: () => Date }) {
  const { repo } = deps;
  const now = deps.now ?? (() => new Date());
  return {
    async listTokens(): Promise<EnrollmentToken[]> {
      const at = now();
      return (await repo.listTokens()).map((r) => toDto(r, at));
    },
    async createToken(
      body: CreateEnrollmentTokenBody,
      createdById: string | null,
    ): Promise<CreatedEnrollmentToken> {
      const token = generateToken('enrollment');
      const at = now();
      const expiresAt =
        body.expiresAt === undefined
          ? new Date(at.getTime() + DAY_MS)
          : body.expiresAt
            ? new Date(body.expiresAt)
            : null;
      const row = await repo.createToken({
        name: body.name,
        tokenHash: hashToken(token),
        maxUses: body.maxUses === undefined ? 1 : body.maxUses,
        labels: body.labels ?? {},
        expiresAt,
        createdById,
      });
      return { ...toDto(row, at), token };
    },
    async revokeToken(id: string): Promise<void> {
      const { count } = await repo.revokeToken(id);
      if (count === 0 && !(await repo.tokenExists(id))) throw new NotFoundError('Enrollment token', id);
    },
    async enroll(body: EnrollAgentBody): Promise<EnrollAgentResponse & { reenrolled: boolean }> {
      const credential = generateToken('agent');
      const result = await repo
        .enroll({
          tokenHash: hashToken(body.token),
          credentialHash: hashToken(credential),
          hostname: body.hostname,
          systemId: body.systemId,
          os: body.os,
          arch: body.arch,
          agentVersion: body.agentVersion,
          now: now(),
        })
        .catch((err: unknown) => {
          if (err instanceof MachineStillEnrolled)
            throw new ConflictError(
              'A machine with this system_id is enrolled and its agent credential is still valid. An admin revokes ' +
                `it first (DELETE /api/v1/machines/${err.machineId}/credentials), then this host can enroll again.`,
            );
          throw err;
        });
      // One answer for unknown, used-up, expired and revoked tokens: nothing to learn by probing.
      if (result.refused)
        throw new UnauthorizedError(
          'The enrollment token is not valid (unknown, expired, revoked or used up).',
        );
      return { machineId: result.machine.id, credential, agentPath: '/agent', reenrolled: result.reenrolled };
    },
  };
}
export type EnrollmentService = ReturnType<typeof enrollmentService>;
