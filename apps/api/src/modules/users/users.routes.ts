import {
  CreateUserBody,
  CreatedUser,
  IdParams,
  Problem,
  UpdateUserBody,
  User,
  UserList,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authServiceOf } from '../auth/auth.service.js';
import { usersService } from './users.service.js';

const usersRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = usersService({ prisma: app.db.prisma, auth: authServiceOf(app) });
  const tags = ['auth'];
  const snapshot = (id: string) => service.get(id);

  app.get(
    '/users',
    {
      config: { access: 'admin' },
      schema: { tags, summary: 'List people with access', response: { 200: UserList } },
    },
    async () => ({ items: await service.list() }),
  );

  app.post(
    '/users',
    {
      config: { access: 'admin', audit: { action: 'user.create', targetType: 'user', snapshot } },
      schema: {
        tags,
        summary: 'Add a person (with a password, or invited by a one-time link)',
        body: CreateUserBody,
        response: { 201: CreatedUser, 400: Problem, 409: Problem },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(request.body)),
  );

  app.patch(
    '/users/:id',
    {
      config: { access: 'admin', audit: { action: 'user.update', targetType: 'user', snapshot } },
      schema: {
        tags,
        summary: "Change a person's name or role, or disable (signs them out everywhere) or enable them",
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      const actingUserId =
        request.principal.kind === 'session' || request.principal.kind === 'api_token'
          ? request.principal.userId
          : null;
      const { user, ended } = await service.update(request.params.id, request.body, actingUserId);
      if (ended) await app.events.publish({ topic: 'sessions.revoked', userIds: [user.id] });
      return user;
    },
  );

  app.post(
    '/users/:id/invite',
    {
      config: { access: 'admin', audit: { action: 'user.invite', targetType: 'user' } },
      schema: {
        tags,
        summary: 'A new one-time link for a person to choose their password (valid 7 days)',
        params: IdParams,
        response: { 200: z.object({ invitePath: z.string() }), 404: Problem, 409: Problem },
      },
    },
    async (request) => service.invite(request.params.id),
  );
};

export default usersRoutes;
