/**
 * `/machines/:id/credentials`: the agent credentials a machine has had, and revoking them (admins only). Revoking
 * closes the agent's socket at once on whichever replica holds it, and the agent's next connection is refused
 * with 401 until it enrolls again.
 */
import { AgentCredentialList, IdParams, Problem } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { credentialsRepository } from './credentials.repository.js';
import { credentialsService } from './credentials.service.js';

export const RevokedCredentials = z.object({
  /** credentials that were live and are revoked now (0 when the machine had none) */
  revoked: z.number().int(),
});

const machineCredentialsRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = credentialsService({ repo: credentialsRepository(app.db.prisma), events: app.events });
  const tags = ['machines'];

  app.get(
    '/machines/:id/credentials',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: "List a machine's agent credentials (never the credentials themselves)",
        description: 'Newest first; revoked credentials are listed with `revokedAt`.',
        params: IdParams,
        response: { 200: AgentCredentialList, 404: Problem },
      },
    },
    async (request) => ({ items: await service.list(request.params.id) }),
  );

  app.delete(
    '/machines/:id/credentials',
    {
      config: {
        access: 'admin',
        audit: {
          action: 'machine.revoke_credentials',
          targetType: 'machine',
          snapshot: (id) => service.live(id),
        },
      },
      schema: {
        tags,
        summary: 'Revoke every live agent credential of a machine (its agent must enroll again)',
        description:
          'The agent is disconnected at once (close code 4001) and its reconnections are refused with 401. The ' +
          'machine, its assignments and revisions stay; enrolling again with the same system_id resumes it.',
        params: IdParams,
        response: { 200: RevokedCredentials, 404: Problem },
      },
    },
    async (request) => service.revokeAll(request.params.id),
  );
};

export default machineCredentialsRoutes;
