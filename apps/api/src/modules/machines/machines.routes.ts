import {
  IdParams,
  ListMachinesQuery,
  Machine,
  MachinePage,
  Problem,
  UpdateMachineBody,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { machinesRepository } from './machines.repository.js';
import { machinesService } from './machines.service.js';

const machinesRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = machinesService({ repo: machinesRepository(app.db.prisma) });
  const tags = ['machines'];
  const snapshot = (id: string) => service.get(id);

  app.get(
    '/machines',
    {
      // the wall screen's heat grid reads the machine list
      config: { access: 'display' },
      schema: {
        tags,
        summary: 'List machines',
        description:
          'Filters combine with AND; several `status` values match any of them. `label=key=value` (or `label=key`) ' +
          'may repeat. `q` searches hostname and system_id.',
        querystring: ListMachinesQuery,
        response: { 200: MachinePage, 400: Problem },
      },
    },
    async (request) => service.list(request.query),
  );

  app.get(
    '/machines/:id',
    {
      config: { access: 'viewer' },
      schema: { tags, summary: 'Get a machine', params: IdParams, response: { 200: Machine, 404: Problem } },
    },
    async (request) => service.get(request.params.id),
  );

  app.patch(
    '/machines/:id',
    {
      config: { access: 'operator', audit: { action: 'machine.update', targetType: 'machine', snapshot } },
      schema: {
        tags,
        summary: "Replace a machine's labels",
        params: IdParams,
        body: UpdateMachineBody,
        response: { 200: Machine, 400: Problem, 404: Problem },
      },
    },
    async (request) => service.update(request.params.id, request.body),
  );

  app.delete(
    '/machines/:id',
    {
      // forgetting a machine deletes its agent's credential with it
      config: { access: 'admin', audit: { action: 'machine.delete', targetType: 'machine', snapshot } },
      schema: {
        tags,
        summary: 'Forget a machine (its agent must enroll again to come back)',
        params: IdParams,
        response: { 204: z.null(), 404: Problem },
      },
    },
    async (request, reply) => {
      await service.delete(request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default machinesRoutes;
