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
import { requireUser } from '../../plugins/auth.js';
import { enrollmentRepository } from './enrollment.repository.js';
import { enrollmentService } from './enrollment.service.js';

const enrollmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = enrollmentService({ repo: enrollmentRepository(app.db.prisma) });
  const tags = ['agents'];
  // No single-token read exists; the list is small, so the audit snapshot picks the token out of it.
  const tokenSnapshot = async (id: string) => (await service.listTokens()).find((t) => t.id === id) ?? null;

  app.get(
    '/enrollment-tokens',
    {
      config: { access: 'admin' },
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
      config: {
        access: 'admin',
        audit: { action: 'enrollment_token.create', targetType: 'enrollment_token', snapshot: tokenSnapshot },
      },
      schema: {
        tags,
        summary: 'Create an enrollment token (shown once)',
        description: 'Defaults: one use, expiring after 24 hours. `maxUses: null` allows unlimited uses.',
        body: CreateEnrollmentTokenBody,
        response: { 201: CreatedEnrollmentToken, 400: Problem },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await service.createToken(request.body, requireUser(request).userId)),
  );

  app.delete(
    '/enrollment-tokens/:id',
    {
      config: {
        access: 'admin',
        audit: { action: 'enrollment_token.revoke', targetType: 'enrollment_token', snapshot: tokenSnapshot },
      },
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
      config: {
        // the enrollment token in the body is the credential; the response's agent credential never reaches the log
        access: 'public',
        audit: {
          action: 'machine.enroll',
          targetType: 'machine',
          targetId: (_request, body) => (body as { machineId?: string } | null)?.machineId,
        },
      },
      schema: {
        tags,
        summary: "Trade an enrollment token for a machine's agent credential",
        description:
          'Called by `paddock-agent enroll`. A host that enrolls again with the same system_id keeps its machine ' +
          'and gets a new credential; the old one stops working.',
        body: EnrollAgentBody,
        response: { 201: EnrollAgentResponse, 400: Problem, 401: Problem, 409: Problem },
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
