import { IdParams, ListRunnersQuery, Problem, RunnerDetail, RunnerPage } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runnersRepository } from './runners.repository.js';
import { runnersService } from './runners.service.js';

const runnersRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = runnersService({ repo: runnersRepository(app.db.prisma) });
  const tags = ['runners'];

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
