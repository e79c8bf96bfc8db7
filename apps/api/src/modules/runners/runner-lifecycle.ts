/**
 * What happens to a registered runner after it runs: its token rotated, paused and resumed, and deleted. GitLab
 * is asked first wherever GitLab's state decides (a token reset revokes the old token at once, so the new one
 * must reach the database and the machines right after); a deletion works the other way round: the runner is
 * taken out of every machine's config.toml before GitLab forgets it, so no host is left polling with a dead
 * token.
 */
import type { ExpiringTokens, RunnerDetail } from '@paddock/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { GitlabClients } from '../../gitlab/client.js';
import { GitlabRejectedError } from '../../gitlab/errors.js';
import { AppError, ConflictError, NotFoundError } from '../../lib/errors.js';
import { last4, type SecretBox } from '../../lib/secrets.js';
import type { PrismaClient } from '../../db/client.js';
import type { Actor, RevisionsService, RolloutResult } from '../revisions/revisions.service.js';
import type { RunnersRepository } from './runners.repository.js';
import { toRunnerDetailDto } from './runners.service.js';

export interface RunnerLifecycleDeps {
  prisma: PrismaClient;
  runners: RunnersRepository;
  secrets: SecretBox;
  gitlab: GitlabClients;
  revisions: Pick<RevisionsService, 'sync' | 'machinesOfRunner'>;
  log: FastifyBaseLogger;
}

export interface RotationResult {
  runner: RunnerDetail;
  rolloutId: string | null;
}

const isNotFound = (err: unknown) => err instanceof GitlabRejectedError && err.gitlabStatus === 404;

export function runnerLifecycleService(deps: RunnerLifecycleDeps) {
  const { prisma, runners, secrets, gitlab, revisions, log } = deps;

  async function load(id: string) {
    const runner = await runners.get(id);
    if (!runner) throw new NotFoundError('Runner', id);
    const instance = await runners.gitlabInstance(runner.gitlabInstanceId);
    if (!instance) throw new NotFoundError('GitLab instance', runner.gitlabInstanceId);
    return { runner, client: gitlab.gitlabClientFor(instance) };
  }

  async function detail(id: string): Promise<RunnerDetail> {
    const row = await runners.get(id);
    if (!row) throw new NotFoundError('Runner', id);
    return toRunnerDetailDto(row);
  }

  return {
    /**
     * Resets the token in GitLab (the old one stops working there at once), stores the new one encrypted and
     * pushes it to every machine of the runner.
     */
    async rotateToken(id: string, actor: Actor): Promise<RotationResult> {
      const { runner, client } = await load(id);
      if (runner.source === 'imported' || !runner.token) {
        throw new ConflictError(
          'Paddock does not hold this runner’s token (it was imported from GitLab). Rotating it would stop the ' +
            'hosts that run it today; adopt the runner first.',
        );
      }
      const fresh = await client.resetRunnerToken(runner.gitlabRunnerId);
      const now = new Date();
      try {
        await prisma.runnerToken.update({
          where: { runnerId: id },
          data: {
            ciphertext: secrets.encrypt(fresh.token, 'runner-token'),
            last4: last4(fresh.token),
            obtainedAt: now,
            expiresAt: fresh.token_expires_at ? new Date(fresh.token_expires_at) : null,
            rotatedAt: now,
          },
        });
      } catch (err) {
        // GitLab has already revoked the old token; the new one exists only in this process now.
        log.error({ err, runnerId: id }, 'a rotated runner token could not be stored');
        throw new AppError(
          500,
          'internal',
          'Token not stored',
          'GitLab reset the token but Paddock could not store the new one. Rotate again: GitLab will issue ' +
            'another token and Paddock will push it to the machines.',
        );
      }
      const rollout = await revisions.sync(
        await revisions.machinesOfRunner(id),
        'runner token rotated',
        actor,
      );
      log.info({ runnerId: id, machines: rollout.revisions.length }, 'runner token rotated');
      return { runner: await detail(id), rolloutId: rollout.rolloutId };
    },

    /** Pauses or resumes the runner in GitLab (GitLab stops or resumes giving it jobs), then records it. */
    async setPaused(id: string, paused: boolean): Promise<RunnerDetail> {
      const { runner, client } = await load(id);
      const updated = await client.updateRunner(runner.gitlabRunnerId, { paused });
      await prisma.runner.update({
        where: { id },
        data: { paused: updated.paused, gitlabStatus: updated.status, syncedAt: new Date() },
      });
      return detail(id);
    },

    /**
     * Takes the runner out of every machine's config (new revisions, pushed), then deletes it in GitLab, then in
     * Paddock. A runner GitLab no longer knows is deleted in Paddock all the same. When GitLab cannot be reached,
     * the runner stays in Paddock (off every machine) so the deletion can be retried.
     */
    async remove(id: string, actor: Actor): Promise<RolloutResult> {
      const { runner, client } = await load(id);
      const machineIds = await revisions.machinesOfRunner(id);
      const rollout = await revisions.sync(machineIds, 'runner deleted', actor, async (tx) => {
        await tx.assignment.deleteMany({ where: { runnerId: id } });
      });
      try {
        await client.deleteRunner(runner.gitlabRunnerId);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        log.warn({ runnerId: id }, 'the runner was already gone from GitLab');
      }
      await prisma.runner.delete({ where: { id } });
      return rollout;
    },

    /** Runner tokens Paddock holds that expire within `days`, soonest first (expired ones included). */
    async expiring(days: number): Promise<ExpiringTokens> {
      const before = new Date(Date.now() + days * 24 * 3600 * 1000);
      const rows = await prisma.runnerToken.findMany({
        where: { expiresAt: { not: null, lte: before } },
        orderBy: { expiresAt: 'asc' },
        select: {
          last4: true,
          expiresAt: true,
          obtainedAt: true,
          runner: { select: { id: true, description: true, gitlabRunnerId: true, gitlabInstanceId: true } },
        },
      });
      return {
        days,
        items: rows.map((r) => ({
          runnerId: r.runner.id,
          gitlabInstanceId: r.runner.gitlabInstanceId,
          gitlabRunnerId: r.runner.gitlabRunnerId,
          description: r.runner.description,
          last4: r.last4,
          obtainedAt: r.obtainedAt.toISOString(),
          expiresAt: r.expiresAt!.toISOString(),
          expired: r.expiresAt!.getTime() <= Date.now(),
        })),
      };
    },
  };
}
export type RunnerLifecycleService = ReturnType<typeof runnerLifecycleService>;
