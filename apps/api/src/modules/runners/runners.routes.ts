import {
  IdParams,
  ListRunnersQuery,
  Problem,
  RegisterRunnerBody,
  RunnerDetail,
  RunnerPage,
  RunnerRegistration,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { machinesRepository } from '../machines/machines.repository.js';
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

  app.post(
    '/runners',
    {
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
      reply.status(201).send(await registration.register(request.body, { type: 'user', id: null })),
  );

  app.get(
    '/runners',
    {
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
      schema: {
        tags,
        summary: 'Get a runner with its machine assignments',
        params: IdParams,
        response: { 200: RunnerDetail, 404: Problem },
      },
    },
    async (request) => service.get(request.params.id),
  );
};

export default runnersRoutes;
