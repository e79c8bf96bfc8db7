/**
 * Display tokens for wall screens (`/wall?display=pdw_…`): admins create and revoke them; a screen using one reads
 * the fleet summary (modules/wall) and nothing else. Revoking closes the screens using it at once, on every replica.
 */
import type { DisplayToken } from '@paddock/contracts';
import {
  CreateDisplayTokenBody,
  CreatedDisplayToken,
  DisplayTokenList,
  IdParams,
  Problem,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors.js';
import { generateToken, hashToken, tokenPrefix } from '../../lib/tokens.js';

type Row = {
  id: string;
  name: string;
  prefix: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
};

function toDto(row: Row): DisplayToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    active: row.revokedAt === null,
  };
}

const displayTokensRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.db;
  const tags = ['auth'];
  // Audit snapshots read the stored row, so the token shown once in the response never reaches the audit log.
  const snapshot = async (id: string) => {
    const row = await prisma.displayToken.findUnique({ where: { id } });
    return row ? toDto(row) : null;
  };

  app.get(
    '/display-tokens',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Wall screen tokens, with their last use',
        response: { 200: DisplayTokenList },
      },
    },
    async () => ({
      items: (await prisma.displayToken.findMany({ orderBy: { createdAt: 'desc' } })).map(toDto),
    }),
  );

  app.post(
    '/display-tokens',
    {
      config: {
        access: 'admin',
        audit: { action: 'display_token.create', targetType: 'display_token', snapshot },
      },
      schema: {
        tags,
        summary: 'Create a wall screen token (shown once, inside the wall URL)',
        body: CreateDisplayTokenBody,
        response: { 201: CreatedDisplayToken, 400: Problem },
      },
    },
    async (request, reply) => {
      const token = generateToken('display');
      const createdById =
        request.principal.kind === 'session' || request.principal.kind === 'api_token'
          ? request.principal.userId
          : null;
      const row = await prisma.displayToken.create({
        data: {
          name: request.body.name,
          tokenHash: hashToken(token),
          prefix: tokenPrefix(token),
          createdById,
        },
      });
      return reply.status(201).send({ ...toDto(row), token, wallPath: `/wall?display=${token}` });
    },
  );

  app.delete(
    '/display-tokens/:id',
    {
      config: {
        access: 'admin',
        audit: { action: 'display_token.revoke', targetType: 'display_token', snapshot },
      },
      schema: {
        tags,
        summary: 'Revoke a wall screen token; screens using it close at once',
        params: IdParams,
        response: { 204: z.null(), 404: Problem },
      },
    },
    async (request, reply) => {
      const row = await prisma.displayToken.findUnique({ where: { id: request.params.id } });
      if (!row) throw new NotFoundError('Display token', request.params.id);
      if (!row.revokedAt)
        await prisma.displayToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
      await app.events.publish({ topic: 'display.revoked', tokenIds: [row.id] });
      return reply.status(204).send(null);
    },
  );
};

export default displayTokensRoutes;
