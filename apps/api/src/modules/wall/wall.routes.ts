/**
 * The wall screen's REST side: `GET /wall/summary`, read with a display token (`?display=` or `Authorization:
 * Bearer`) or by anyone signed in. The same summary is pushed on the `wall` topics of `/live`.
 */
import { Problem, WallQuery, WallSummary } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jobsRepository } from '../jobs/jobs.repository.js';
import { wallRepository } from './wall.repository.js';
import { wallService } from './wall.service.js';

const wallRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = wallService({
    wall: wallRepository(app.db.prisma),
    jobs: jobsRepository(app.db.prisma),
  });

  app.get(
    '/wall/summary',
    {
      config: { access: 'display' },
      schema: {
        tags: ['machines'],
        summary: 'Fleet health at a glance (what a wall screen shows)',
        description:
          'Machine counts and a heat grid tile per machine, jobs running and pending, capacity, queues by tag set ' +
          "with the oldest wait, tag sets no online runner can take and the last hour's failures. `tags` narrows " +
          'it to one tag set, `label` to the machines with one label. Readable with a display token (`?display=` ' +
          'or `Authorization: Bearer`) or by any signed-in person.',
        querystring: WallQuery,
        response: { 200: WallSummary, 400: Problem, 401: Problem },
      },
    },
    async (request) =>
      service.summary({ tags: request.query.tags ?? null, label: request.query.label ?? null }),
  );
};

export default wallRoutes;
