import {
  AdoptRunnerBody,
  ExpiringTokens,
  ExpiringTokensQuery,
  IdParams,
  ListRunnersQuery,
  Problem,
  RegisterRunnerBody,
  RunnerDetail,
  RunnerPage,
  RunnerRegistration,
  TokenRotation,
} from '@paddock/contracts';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { machinesRepository } from '../machines/machines.repository.js';
import { runnerLifecycleService } from './runner-lifecycle.js';
import { runnerRegistrationService } from './runner-registration.js';
import { runnersRepository } from './runners.repository.js';
import { runnersService } from './runners.service.js';

const runnersRoutes: FastifyPluginAsyncZod = async (app) => {
  const repo = runnersRepository(app.db.prisma);
  const service = runnersService({ repo });
  const registration = runnerRegistrationService({
    runners: repo,
    machines: machinesRepository(app.db.prisma),
    secrets: app.secrets,
    gitlab: app.gitlab,
    revisions: app.revisions,
    events: app.events,
    log: app.log,
  });
  const tags = ['runners'];
  const runnerAudit = (verb: string) => ({
    action: `runner.${verb}`,
    targetType: 'runner',
    snapshot: (id: string) => service.get(id),
  });

  app.post(
    '/runners',
    {
      config: {
        access: 'operator',
        audit: {
          ...runnerAudit('register'),
          targetId: (_request, body) => (body as { runner?: { id?: string } } | null)?.runner?.id,
        },
      },
      schema: {
        tags,
        summary: 'Register a runner in GitLab and run it on machines',
        description:
          'Creates the runner in GitLab, stores it with its encrypted token and machine assignments, and pushes ' +
          'new config.toml revisions to those machines. Subscribe to `registration:<registrationId>` on `/live` ' +
          'first to follow each step. GitLab refusing the runner is a 422 and an unreachable GitLab a 502; ' +
          'either way nothing is stored, in Paddock or in GitLab. The token is never returned, only its last ' +
          'four characters.',
        body: RegisterRunnerBody,
        response: {
          201: RunnerRegistration,
          400: Problem,
          422: Problem,
          502: Problem,
          503: Problem,
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await registration.register(request.body, request.actor)),
  );

  app.get(
    '/runners',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'List runners, newest first',
        description:
          'Filters combine with AND: `tag` (repeatable) keeps runners carrying every listed tag; several `status` ' +
          'values match any of them; `machineId` keeps runners assigned to that machine.',
        querystring: ListRunnersQuery,
        response: { 200: RunnerPage, 400: Problem },
      },
    },
    async (request) => service.list(request.query),
  );

  app.get(
    '/runners/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Get a runner with its machine assignments',
        params: IdParams,
        response: { 200: RunnerDetail, 404: Problem },
      },
    },
    async (request) => service.get(request.params.id),
  );

  const lifecycle = runnerLifecycleService({
    prisma: app.db.prisma,
    runners: repo,
    secrets: app.secrets,
    gitlab: app.gitlab,
    revisions: app.revisions,
    machines: machinesRepository(app.db.prisma),
    log: app.log,
  });
  const gitlabFailures = { 404: Problem, 409: Problem, 422: Problem, 502: Problem, 503: Problem };

  app.post(
    '/runners/:id/rotate-token',
    {
      config: { access: 'operator', audit: runnerAudit('rotate_token') },
      schema: {
        tags,
        summary: 'Rotate a runner token',
        description:
          'Resets the token in GitLab (the old token stops working there at once), stores the new one ' +
          'encrypted and pushes it to every machine running the runner. Answers with the runner (token as last ' +
          'four characters) and the rollout. 409 for a runner imported from GitLab, whose token Paddock does not hold.',
        params: IdParams,
        response: { 200: TokenRotation, ...gitlabFailures },
      },
    },
    async (request) => lifecycle.rotateToken(request.params.id, request.actor),
  );

  app.post(
    '/runners/:id/adopt',
    {
      config: { access: 'operator', audit: runnerAudit('adopt') },
      schema: {
        tags,
        summary: 'Adopt a runner imported from GitLab',
        description:
          'Paddock takes over a runner it found in GitLab: GitLab issues it a new token (the old one stops working at ' +
          'once, so hosts running it outside Paddock stop taking jobs), and Paddock runs it on the chosen machines ' +
          'with the given executor and limits. 409 for a runner Paddock already runs.',
        params: IdParams,
        body: AdoptRunnerBody,
        response: { 200: TokenRotation, 400: Problem, ...gitlabFailures },
      },
    },
    async (request) => lifecycle.adopt(request.params.id, request.body, request.actor),
  );

  app.post(
    '/runners/:id/pause',
    {
      config: { access: 'operator', audit: runnerAudit('pause') },
      schema: {
        tags,
        summary: 'Pause a runner in GitLab (it gets no new jobs)',
        params: IdParams,
        response: { 200: RunnerDetail, ...gitlabFailures },
      },
    },
    async (request) => lifecycle.setPaused(request.params.id, true),
  );

  app.post(
    '/runners/:id/resume',
    {
      config: { access: 'operator', audit: runnerAudit('resume') },
      schema: {
        tags,
        summary: 'Resume a paused runner in GitLab',
        params: IdParams,
        response: { 200: RunnerDetail, ...gitlabFailures },
      },
    },
    async (request) => lifecycle.setPaused(request.params.id, false),
  );

  app.delete(
    '/runners/:id',
    {
      config: { access: 'operator', audit: runnerAudit('delete') },
      schema: {
        tags,
        summary: 'Delete a runner: from every machine first, then from GitLab, then from Paddock',
        description:
          'New revisions without the runner are recorded and pushed to its machines, then GitLab deletes it. ' +
          'When GitLab cannot be reached (502), the runner stays in Paddock, already off every machine, and the ' +
          'deletion can be retried.',
        params: IdParams,
        response: { 204: z.null(), ...gitlabFailures },
      },
    },
    async (request, reply) => {
      await lifecycle.remove(request.params.id, request.actor);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/runner-tokens/expiring',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Runner tokens expiring within N days (default 30), soonest first',
        querystring: ExpiringTokensQuery,
        response: { 200: ExpiringTokens, 400: Problem },
      },
    },
    async (request) => lifecycle.expiring(request.query.days),
  );
};

export default runnersRoutes;
