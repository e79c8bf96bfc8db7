/**
 * What happens to a registered runner after it runs: its token rotated, paused and resumed, and deleted. GitLab
 * is asked first wherever GitLab's state decides (a token reset revokes the old token at once, so the new one
 * must reach the database and the machines right after); a deletion works the other way round: the runner is
 * taken out of every machine's config.toml before GitLab forgets it, so no host is left polling with a dead
 * token.
 */
import type { AdoptRunnerBody, ExpiringTokens, RunnerDetail } from '@paddock/contracts';
import type { Prisma } from '../../db/client.js';
import type { FastifyBaseLogger } from 'fastify';
import type { GitlabClients } from '../../gitlab/client.js';
import { GitlabRejectedError } from '../../gitlab/errors.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { last4, type SecretBox } from '../../lib/secrets.js';
import type { PrismaClient } from '../../db/client.js';
import type { Actor, RevisionsService, RolloutResult } from '../revisions/revisions.service.js';
import type { MachinesRepository } from '../machines/machines.repository.js';
import { executorSettingsErrors } from './executor-settings.js';
import type { RunnersRepository } from './runners.repository.js';
import { toRunnerDetailDto } from './runners.service.js';

export interface RunnerLifecycleDeps {
  prisma: PrismaClient;
  runners: RunnersRepository;
  secrets: SecretBox;
  gitlab: GitlabClients;
  revisions: Pick<RevisionsService, 'sync' | 'machinesOfRunner'>;
  machines: Pick<MachinesRepository, 'existingIds' | 'idsMatchingLabels'>;
  log: FastifyBaseLogger;
}

export interface RotationResult {
  runner: RunnerDetail;
  rolloutId: string | null;
}

const isNotFound = (err: unknown) => err instanceof GitlabRejectedError && err.gitlabStatus === 404;

export function runnerLifecycleService(deps: RunnerLifecycleDeps) {
  const { prisma, runners, secrets, gitlab, revisions, machines, log } = deps;

  async function targetMachines(target: AdoptRunnerBody['machines']): Promise<string[]> {
    if (target.ids) {
      const known = await machines.existingIds(target.ids);
      const errors = target.ids.flatMap((id, i) =>
        known.has(id)
          ? []
          : [{ path: `body.machines.ids.${i}`, message: 'no such machine', code: 'not_found' }],
      );
      if (errors.length) throw new ValidationError(errors);
      return [...new Set(target.ids)];
    }
    const matching = await machines.idsMatchingLabels(target.labels ?? []);
    if (matching.length === 0) {
      throw new ValidationError([
        { path: 'body.machines.labels', message: 'no machine matches these labels', code: 'no_match' },
      ]);
    }
    return matching;
  }

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

    /**
     * Takes over a runner imported from GitLab: checks the request, resets its token in GitLab (hosts running it
     * outside Paddock stop taking jobs), stores the new token with the executor, limits and machines, and pushes
     * it to those machines.
     */
    async adopt(id: string, body: AdoptRunnerBody, actor: Actor): Promise<RotationResult> {
      const { runner, client } = await load(id);
      if (runner.source !== 'imported') {
        throw new ConflictError(
          'Paddock already runs this runner; only runners imported from GitLab are adopted.',
        );
      }
      if (runner.gitlabStatus === 'deleted') {
        throw new ConflictError('GitLab no longer has this runner, so it cannot be adopted.');
      }
      const settingsErrors = executorSettingsErrors(body.executor);
      if (settingsErrors.length) throw new ValidationError(settingsErrors);
      const machineIds = await targetMachines(body.machines);

      const fresh = await client.resetRunnerToken(runner.gitlabRunnerId);
      const now = new Date();
      try {
        await prisma.$transaction(async (tx) => {
          await tx.runner.update({
            where: { id },
            data: {
              source: 'managed',
              executor: body.executor.name,
              executorSettings: body.executor.settings as Prisma.InputJsonObject,
            },
          });
          await tx.runnerToken.create({
            data: {
              runnerId: id,
              ciphertext: secrets.encrypt(fresh.token, 'runner-token'),
              last4: last4(fresh.token),
              obtainedAt: now,
              expiresAt: fresh.token_expires_at ? new Date(fresh.token_expires_at) : null,
              rotatedAt: now,
              limitMode: body.limits.limitMode,
              limitValue: body.limits.limit ?? 0,
              requestConcurrency: body.limits.requestConcurrency,
            },
          });
          await tx.assignment.createMany({
            data: machineIds.map((machineId) => ({ runnerId: id, machineId })),
            skipDuplicates: true,
          });
        });
      } catch (err) {
        log.error(
          { err, runnerId: id },
          'an adopted runner could not be stored after GitLab reset its token',
        );
        throw new AppError(
          500,
          'internal',
          'Runner not adopted',
          'GitLab reset the runner’s token but Paddock could not store the new one. Adopt it again: GitLab ' +
            'will issue another token.',
        );
      }
      const rollout = await revisions.sync(machineIds, 'runner adopted', actor);
      log.info({ runnerId: id, machines: machineIds.length }, 'runner adopted');
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
