/**
 * Agent credentials of a machine: listed (never the secret, which Paddock does not keep) and revoked. A revocation
 * is announced to every replica, which closes the machine's socket at once; the machine itself stays, and its
 * agent must enroll again to come back.
 */
import type { AgentCredential } from '@paddock/contracts';
import { NotFoundError } from '../../lib/errors.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { CredentialsRepository } from './credentials.repository.js';

type CredentialRow = Awaited<ReturnType<CredentialsRepository['listOfMachine']>>[number];

function toDto(row: CredentialRow): AgentCredential {
  return {
    id: row.id,
    machineId: row.machineId,
    enrollmentTokenId: row.enrollmentTokenId,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function credentialsService(deps: {
  repo: CredentialsRepository;
  events: Pick<EventBus, 'publish'>;
  now?: () => Date;
}) {
  const { repo, events } = deps;
  const now = deps.now ?? (() => new Date());
  const mustExist = async (machineId: string) => {
    if (!(await repo.machineExists(machineId))) throw new NotFoundError('Machine', machineId);
  };
  return {
    async list(machineId: string): Promise<AgentCredential[]> {
      await mustExist(machineId);
      return (await repo.listOfMachine(machineId)).map(toDto);
    },

    /** The live credentials, for the audit event's `before`. */
    async live(machineId: string): Promise<{ liveCredentialIds: string[] }> {
      return { liveCredentialIds: (await repo.liveOfMachine(machineId)).map((c) => c.id) };
    },

    async revokeAll(machineId: string): Promise<{ revoked: number }> {
      await mustExist(machineId);
      const { count } = await repo.revokeAllOfMachine(machineId, now());
      // Announced even when nothing was live: a connection made just before an earlier revocation is closed too.
      await events.publish({ topic: 'credentials.revoked', machineIds: [machineId] });
      return { revoked: count };
    },
  };
}
