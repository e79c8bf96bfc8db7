/**
 * Personal API tokens for scripts (`Authorization: Bearer pdt_…`): each person manages their own. A token is
 * shown once and stored as its SHA-256; `read` tokens may only read, `write` tokens may do what their owner's role
 * allows. Revoking takes effect on the next request.
 */
import type { ApiToken } from '@paddock/contracts';
import { ApiTokenList, CreateApiTokenBody, CreatedApiToken, IdParams, Problem } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { generateToken, hashToken, tokenPrefix } from '../../lib/tokens.js';
import { requireUser } from '../../plugins/auth.js';

type Row = {
  id: string;
  name: string;
  prefix: string;
  scope: 'read' | 'write';
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
};

function toDto(row: Row, at: Date): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    active: row.revokedAt === null && (row.expiresAt === null || row.expiresAt > at),
  };
}

const apiTokensRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.db;
  const tags = ['auth'];
  // Audit snapshots read the stored row, so the token shown once in the response never reaches the audit log.
  const snapshot = async (id: string) => {
    const row = await prisma.apiToken.findUnique({ where: { id } });
    return row ? toDto(row, new Date()) : null;
  };

  app.get(
    '/api-tokens',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Your API tokens (never the tokens themselves)',
        response: { 200: ApiTokenList },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const rows = await prisma.apiToken.findMany({
        where: { userId: user.userId },
        orderBy: { createdAt: 'desc' },
      });
      const at = new Date();
      return { items: rows.map((r) => toDto(r, at)) };
    },
  );

  app.post(
    '/api-tokens',
    {
      config: { access: 'user', audit: { action: 'api_token.create', targetType: 'api_token', snapshot } },
      schema: {
        tags,
        summary: 'Create an API token (shown once)',
        body: CreateApiTokenBody,
        response: { 201: CreatedApiToken, 400: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const at = new Date();
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      if (expiresAt && expiresAt <= at)
        throw new ValidationError([
          { path: 'body.expiresAt', message: 'must be in the future', code: 'past' },
        ]);
      const taken = await prisma.apiToken.count({ where: { userId: user.userId, name: request.body.name } });
      if (taken)
        throw new ConflictError('You already have a token with this name.', [
          { path: 'body.name', message: 'already used by another of your tokens', code: 'unique' },
        ]);
      const token = generateToken('api');
      const row = await prisma.apiToken.create({
        data: {
          userId: user.userId,
          name: request.body.name,
          tokenHash: hashToken(token),
          prefix: tokenPrefix(token),
          scope: request.body.scope,
          expiresAt,
        },
      });
      return reply.status(201).send({ ...toDto(row, at), token });
    },
  );

  app.delete(
    '/api-tokens/:id',
    {
      config: { access: 'user', audit: { action: 'api_token.revoke', targetType: 'api_token', snapshot } },
      schema: {
        tags,
        summary: 'Revoke one of your API tokens',
        params: IdParams,
        response: { 204: z.null(), 404: Problem },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const row = await prisma.apiToken.findFirst({ where: { id: request.params.id, userId: user.userId } });
      if (!row) throw new NotFoundError('API token', request.params.id);
      if (!row.revokedAt)
        await prisma.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
      return reply.status(204).send(null);
    },
  );
};

export default apiTokensRoutes;
