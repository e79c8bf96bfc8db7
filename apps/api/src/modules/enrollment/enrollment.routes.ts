import {
  CreateEnrollmentTokenBody,
  CreatedEnrollmentToken,
  EnrollAgentBody,
  EnrollAgentResponse,
  EnrollmentTokenList,
  IdParams,
  Problem,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { enrollmentRepository } from './enrollment.repository.js';
import { enrollmentService } from './enrollment.service.js';

const enrollmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = enrollmentService({ repo: enrollmentRepository(app.db.prisma) });
  const tags = ['agents'];

  app.get(
    '/enrollment-tokens',
    {
      schema: {
        tags,
        summary: 'List enrollment tokens (never the tokens themselves)',
        response: { 200: EnrollmentTokenList },
      },
    },
    async () => ({ items: await service.listTokens() }),
  );

  app.post(
    '/enrollment-tokens',
    {
      schema: {
        tags,
        summary: 'Create an enrollment token (shown once)',
        description: 'Defaults: one use, expiring after 24 hours. `maxUses: null` allows unlimited uses.',
        body: CreateEnrollmentTokenBody,
        response: { 201: CreatedEnrollmentToken, 400: Problem },
      },
    },
    async (request, reply) => reply.status(201).send(await service.createToken(request.body, null)),
  );

  app.delete(
    '/enrollment-tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an enrollment token (machines already enrolled keep their credentials)',
        params: IdParams,
        response: { 204: z.null(), 404: Problem },
      },
    },
    async (request, reply) => {
      await service.revokeToken(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agent/enroll',
    {
      schema: {
        tags,
        summary: "Trade an enrollment token for a machine's agent credential",
        description:
          'Called by `paddock-agent enroll`. A host that enrolls again with the same system_id keeps its machine ' +
          'and gets a new credential; the old one stops working.',
        body: EnrollAgentBody,
        response: { 201: EnrollAgentResponse, 400: Problem, 401: Problem },
      },
    },
    async (request, reply) => {
      const { reenrolled, ...result } = await service.enroll(request.body);
      request.log.info({ machineId: result.machineId, reenrolled }, 'agent enrolled');
      return reply.status(201).send(result);
    },
  );
};

export default enrollmentRoutes;
