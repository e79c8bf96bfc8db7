/**
 * Fleet trends for the overview charts and running-against-limit history of one machine or runner, both read
 * from the per-minute samples the fleet sampler writes.
 */
import {
  FleetConcurrency,
  FleetConcurrencyQuery,
  FleetTrends,
  FleetTrendsQuery,
  Problem,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { fleetRepository } from './fleet.repository.js';
import { fleetService } from './fleet.service.js';

const fleetRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = fleetService({ repo: fleetRepository(app.db.prisma) });
  const tags = ['fleet'];

  app.get(
    '/fleet/trends',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Running jobs against capacity, queue waits per tag set, and machines by status',
        description:
          '`range=hour` gives one-minute buckets over the last hour, `range=day` fifteen-minute buckets over the ' +
          'last day; each bucket shows its busiest (or, for queues, worst) minute. Buckets without samples hold ' +
          'nulls. Machines by status are counted now.',
        querystring: FleetTrendsQuery,
        response: { 200: FleetTrends, 400: Problem },
      },
    },
    async (request) => service.trends(request.query.range),
  );

  app.get(
    '/fleet/concurrency',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Running jobs against the limit of one machine or one runner over time',
        description:
          'Give `machineId` or `runnerId`. A machine reads its own samples (running from its agent, or from ' +
          "GitLab's job data while it is offline). A runner's running jobs come from GitLab's job data and its " +
          "limit is summed over its machines' samples, each capped at the runner's limit on that machine.",
        querystring: FleetConcurrencyQuery,
        response: { 200: FleetConcurrency, 400: Problem, 404: Problem },
      },
    },
    async (request) => service.concurrency(request.query),
  );
};

export default fleetRoutes;
