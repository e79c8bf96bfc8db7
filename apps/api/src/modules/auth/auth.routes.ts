import {
  AcceptInviteBody,
  ChangePasswordBody,
  LoginBody,
  Problem,
  SessionInfo,
  SetupBody,
  SetupStatus,
} from '@paddock/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors.js';
import { requireUser, SESSION_COOKIE } from '../../plugins/auth.js';
import { attemptedEmail, authServiceOf, type NewSession } from './auth.service.js';

const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const env = app.env;
  const service = authServiceOf(app);
  const tags = ['auth'];
  const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] });

  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number) => {
    const secure = env.PADDOCK_COOKIE_SECURE === 'always' || request.protocol === 'https';
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`,
    );
  };
  const signIn = (request: FastifyRequest, reply: FastifyReply, session: NewSession) => {
    setCookie(request, reply, session.token, env.PADDOCK_SESSION_MAX_HOURS * 3600);
    return session.info;
  };

  app.post(
    '/auth/login',
    {
      config: { access: 'public', audit: false },
      schema: {
        tags,
        summary: 'Sign in: sets the session cookie and returns the CSRF token for changes',
        description:
          'Wrong email and wrong password answer the same. Repeated failures for one account or from one address ' +
          'are answered 429 with `Retry-After`, with delays that grow.',
        body: LoginBody,
        response: { 200: SessionInfo, 400: Problem, 401: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      try {
        const session = await service.login(request.body.email, request.body.password, client(request));
        await app.audit.record(
          { action: 'session.login', targetType: 'user', targetId: session.info.user.id },
          request,
          { type: 'user', id: session.info.user.id, label: session.info.user.email },
        );
        return signIn(request, reply, session);
      } catch (err) {
        if (err instanceof UnauthorizedError)
          await app.audit.record(
            {
              action: 'session.login_failed',
              targetType: 'user',
              after: { email: attemptedEmail(request.body.email) },
            },
            request,
            { type: 'user', id: null, label: null },
          );
        throw err;
      }
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'public', audit: false },
      schema: { tags, summary: 'Sign out of this browser', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const token = app.sessionCookie(request);
      if (token) await service.logout(token);
      if (request.principal.kind === 'session')
        await app.audit.record(
          { action: 'session.logout', targetType: 'user', targetId: request.principal.userId },
          request,
        );
      setCookie(request, reply, '', 0);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/logout-everywhere',
    {
      config: { access: 'user', audit: false },
      schema: {
        tags,
        summary: 'Sign out of every browser (open live connections are closed too)',
        response: { 200: z.object({ sessionsEnded: z.number().int() }), 401: Problem },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const sessionsEnded = await service.logoutEverywhere(user.userId);
      await app.events.publish({ topic: 'sessions.revoked', userIds: [user.userId] });
      await app.audit.record(
        {
          action: 'session.logout_everywhere',
          targetType: 'user',
          targetId: user.userId,
          after: { sessionsEnded },
        },
        request,
      );
      setCookie(request, reply, '', 0);
      return { sessionsEnded };
    },
  );

  app.get(
    '/auth/session',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'The signed-in person and the CSRF token to send as x-csrf-token',
        response: { 200: SessionInfo, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const token = app.sessionCookie(request);
      if (request.principal.kind !== 'session' || !token)
        throw new ForbiddenError('Only browser sessions have one; API tokens need no CSRF token.');
      return service.sessionInfo(token);
    },
  );

  app.get(
    '/auth/setup',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Whether the first admin still has to be created',
        response: { 200: SetupStatus },
      },
    },
    async () => ({ needed: await service.setupNeeded() }),
  );

  app.post(
    '/auth/setup',
    {
      config: { access: 'public', audit: false },
      schema: {
        tags,
        summary: 'Create the first admin with the one-time setup link printed at start',
        body: SetupBody,
        response: { 200: SessionInfo, 400: Problem, 401: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const session = await service.completeSetup(request.body, client(request));
      const actor = { type: 'user' as const, id: session.info.user.id, label: session.info.user.email };
      await app.audit.record(
        { action: 'user.create', targetType: 'user', targetId: actor.id, after: session.info.user },
        request,
        actor,
      );
      return signIn(request, reply, session);
    },
  );

  app.post(
    '/auth/invite',
    {
      config: { access: 'public', audit: false },
      schema: {
        tags,
        summary: 'Choose a password with an invitation link, and sign in',
        body: AcceptInviteBody,
        response: { 200: SessionInfo, 400: Problem, 401: Problem },
      },
    },
    async (request, reply) => {
      const session = await service.acceptInvite(request.body, client(request));
      const actor = { type: 'user' as const, id: session.info.user.id, label: session.info.user.email };
      await app.audit.record(
        { action: 'user.set_password', targetType: 'user', targetId: actor.id },
        request,
        actor,
      );
      return signIn(request, reply, session);
    },
  );

  app.post(
    '/auth/password',
    {
      config: {
        access: 'user',
        audit: {
          action: 'user.change_password',
          targetType: 'user',
          targetId: (r) => (r.actor.type === 'user' ? r.actor.id : null),
        },
      },
      schema: {
        tags,
        summary: 'Change your own password (ends your other sessions)',
        body: ChangePasswordBody,
        response: { 204: z.null(), 400: Problem, 401: Problem },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      if (request.principal.kind !== 'session')
        throw new UnauthorizedError('Sign in with a password to change it.');
      await service.changePassword(
        user.userId,
        request.body.currentPassword,
        request.body.newPassword,
        request.principal.sessionId,
      );
      return reply.status(204).send(null);
    },
  );
};

export default authRoutes;
