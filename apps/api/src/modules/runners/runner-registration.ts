/**
 * Registering a runner (DESIGN flow 1): validate → create it in GitLab → store runner, encrypted token and
 * assignments in one transaction → render and announce revisions for its machines. A GitLab runner is never left
 * behind without Paddock knowing it: when the transaction fails, the runner is deleted from GitLab again. Each step
 * is published as a `runner.registration` event, which `/live` forwards to `registration:<id>`.
 */
import type { RegisterRunnerBody, RegistrationProgress, RunnerRegistration } from '@paddock/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { Prisma } from '../../db/client.js';
import type { GitlabClients } from '../../gitlab/client.js';
import { GitlabRejectedError } from '../../gitlab/errors.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import type { EventBus } from '../../lib/event-bus.js';
import { last4, type SecretBox } from '../../lib/secrets.js';
import { uuidv7 } from '../../lib/uuid.js';
import type { MachinesRepository } from '../machines/machines.repository.js';
import type { Actor, RevisionsService } from '../revisions/revisions.service.js';
import { executorSettingsErrors } from './executor-settings.js';
import type { RunnersRepository } from './runners.repository.js';
import { toRunnerDetailDto } from './runners.service.js';

/** GitLab's field names in `POST /user/runners` errors, as the request to Paddock names them. */
const GITLAB_FIELDS: Record<string, string> = {
  tag_list: 'tags',
  tags_list: 'tags',
  runner_type: 'runnerType',
  group_id: 'groupId',
  project_id: 'projectId',
  run_untagged: 'runUntagged',
  access_level: 'accessLevel',
  maximum_timeout: 'maximumTimeout',
  maintenance_note: 'maintenanceNote',
};
const bodyPath = (gitlabField: string) => `body.${GITLAB_FIELDS[gitlabField] ?? gitlabField}`;

type Step = RegistrationProgress['step'];

export interface RunnerRegistrationDeps {
  runners: RunnersRepository;
  machines: Pick<MachinesRepository, 'existingIds' | 'idsMatchingLabels'>;
  secrets: SecretBox;
  gitlab: GitlabClients;
  revisions: Pick<RevisionsService, 'sync'>;
  events: EventBus;
  log: FastifyBaseLogger;
}

export function runnerRegistrationService(deps: RunnerRegistrationDeps) {
  const { runners, machines, secrets, gitlab, revisions, events, log } = deps;

  async function targetMachines(body: RegisterRunnerBody): Promise<string[]> {
    const { ids, labels } = body.machines;
    if (ids) {
      const known = await machines.existingIds(ids);
      const errors = ids.flatMap((id, i) =>
        known.has(id)
          ? []
          : [{ path: `body.machines.ids.${i}`, message: 'no such machine', code: 'not_found' }],
      );
      if (errors.length) throw new ValidationError(errors);
      return [...new Set(ids)];
    }
    const matching = await machines.idsMatchingLabels(labels ?? []);
    if (matching.length === 0) {
      throw new ValidationError([
        { path: 'body.machines.labels', message: 'no machine matches these labels', code: 'no_match' },
      ]);
    }
    return matching;
  }

  return {
    async register(body: RegisterRunnerBody, actor: Actor): Promise<RunnerRegistration> {
      const registrationId = body.registrationId ?? uuidv7();
      // Progress is for watching browsers: a lost event must not fail the registration itself.
      const progress = async (step: Step, state: RegistrationProgress['state'], extra = {}) => {
        await events
          .publish({ topic: 'runner.registration', registrationId, step, state, ...extra })
          .catch((err: unknown) =>
            log.warn({ err, registrationId, step }, 'registration event not published'),
          );
      };
      const failed = async (step: Step, error: unknown, detail?: string) => {
        const said = detail ?? (error instanceof AppError && error.exposesDetail ? error.detail : undefined);
        await progress(step, 'failed', { detail: said ?? 'Something went wrong on our side.' });
      };

      await progress('validate', 'started');
      let instance: NonNullable<Awaited<ReturnType<RunnersRepository['gitlabInstance']>>>;
      let machineIds: string[];
      try {
        const found = await runners.gitlabInstance(body.gitlabInstanceId);
        if (!found) {
          throw new ValidationError([
            { path: 'body.gitlabInstanceId', message: 'no such GitLab instance', code: 'not_found' },
          ]);
        }
        instance = found;
        const settingsErrors = executorSettingsErrors(body.executor);
        if (settingsErrors.length) throw new ValidationError(settingsErrors);
        machineIds = await targetMachines(body);
      } catch (error) {
        await failed('validate', error);
        throw error;
      }
      await progress('validate', 'done');

      await progress('gitlab', 'started');
      const client = gitlab.gitlabClientFor(instance);
      let created: Awaited<ReturnType<typeof client.createRunner>>;
      try {
        created = await client.createRunner({
          runnerType: body.runnerType,
          ...(body.groupId !== undefined && { groupId: body.groupId }),
          ...(body.projectId !== undefined && { projectId: body.projectId }),
          description: body.description,
          paused: body.paused,
          locked: body.locked,
          runUntagged: body.runUntagged,
          tagList: body.tags,
          accessLevel: body.accessLevel,
          ...(body.maximumTimeout !== null && { maximumTimeout: body.maximumTimeout }),
          ...(body.maintenanceNote !== null && { maintenanceNote: body.maintenanceNote }),
        });
      } catch (error) {
        const mapped = error instanceof GitlabRejectedError ? error.withPaths(bodyPath) : error;
        await failed('gitlab', mapped);
        throw mapped;
      }
      await progress('gitlab', 'done');

      await progress('store', 'started');
      let runnerId: string;
      try {
        runnerId = await runners.createRegistered({
          runner: {
            gitlabInstanceId: instance.id,
            gitlabRunnerId: created.id,
            runnerType: body.runnerType,
            groupId: body.groupId ?? null,
            projectId: body.projectId ?? null,
            description: body.description,
            tags: body.tags,
            runUntagged: body.runUntagged,
            locked: body.locked,
            paused: body.paused,
            accessLevel: body.accessLevel,
            maximumTimeout: body.maximumTimeout,
            maintenanceNote: body.maintenanceNote,
            executor: body.executor.name,
            // Parsed from the request's JSON, so JSON again.
            executorSettings: body.executor.settings as Prisma.InputJsonObject,
            source: 'managed',
          },
          token: {
            ciphertext: secrets.encrypt(created.token, 'runner-token'),
            last4: last4(created.token),
            obtainedAt: new Date(),
            expiresAt: created.token_expires_at ? new Date(created.token_expires_at) : null,
            limitMode: body.limits.limitMode,
            limitValue: body.limits.limit ?? 0,
            requestConcurrency: body.limits.requestConcurrency,
          },
          machineIds,
        });
      } catch (error) {
        let detail = 'Paddock could not store the runner, so it was deleted from GitLab again.';
        try {
          await client.deleteRunner(created.id);
        } catch (cleanupError) {
          detail =
            `Paddock could not store the runner, nor delete it from GitLab: delete runner ${created.id} in ` +
            'GitLab by hand.';
          log.error(
            { err: cleanupError, gitlabInstanceId: instance.id, gitlabRunnerId: created.id },
            'a runner created in GitLab could not be deleted after the database refused it',
          );
        }
        await failed('store', error, detail);
        throw error;
      }
      await progress('store', 'done', { runnerId });

      await progress('rollout', 'started', { runnerId });
      let rollout: Awaited<ReturnType<typeof revisions.sync>>;
      try {
        rollout = await revisions.sync(
          machineIds,
          `runner registered: ${body.description || `GitLab runner ${created.id}`}`.slice(0, 255),
          actor,
        );
      } catch (error) {
        // The runner and its assignments are stored; the next sync of these machines renders them.
        await failed(
          'rollout',
          error,
          'The runner is stored, but its machines were not updated; they pick it up at their next change.',
        );
        throw error;
      }
      await progress('rollout', 'done', {
        runnerId,
        ...(rollout.rolloutId && { rolloutId: rollout.rolloutId }),
      });

      const row = await runners.get(runnerId);
      if (!row) throw new Error(`runner ${runnerId} vanished right after it was stored`);
      return { registrationId, runner: toRunnerDetailDto(row), rollout };
    },
  };
}
export type RunnerRegistrationService = ReturnType<typeof runnerRegistrationService>;
