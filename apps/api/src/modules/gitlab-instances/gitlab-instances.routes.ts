import {
  CreateGitlabInstanceBody,
  GitlabInstance,
  GitlabInstanceList,
  IdParams,
  Problem,
  UpdateGitlabInstanceBody,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { gitlabInstancesRepository } from './gitlab-instances.repository.js';
import { gitlabInstancesService } from './gitlab-instances.service.js';

const gitlabInstancesRoutes: FastifyPluginAsyncZod = async (app) => {
  const service = gitlabInstancesService({
    repo: gitlabInstancesRepository(app.db.prisma),
    secrets: app.secrets,
    checkConnection: app.checkGitlabConnection,
  });
  const tags = ['gitlab'];
  const audit = (verb: string) => ({
    action: `gitlab_instance.${verb}`,
    targetType: 'gitlab_instance',
    snapshot: (id: string) => service.get(id),
  });

  app.get(
    '/gitlab-instances',
    {
      config: { access: 'viewer' },
      schema: { tags, summary: 'List connected GitLab instances', response: { 200: GitlabInstanceList } },
    },
    async () => ({ items: await service.list() }),
  );

  app.post(
    '/gitlab-instances',
    {
      config: { access: 'admin', audit: audit('create') },
      schema: {
        tags,
        summary: 'Connect a GitLab instance',
        body: CreateGitlabInstanceBody,
        description:
          'GitLab is asked first: the URL must answer, and the access token must be active and have the api scope, ' +
          'or both create_runner and manage_runner. A refused token or URL is a 422, an unreachable GitLab a 502; ' +
          'either way nothing is stored.',
        response: {
          201: GitlabInstance,
          400: Problem,
          409: Problem,
          422: Problem,
          502: Problem,
          503: Problem,
        },
      },
    },
    async (request, reply) => {
      const created = await service.create(request.body);
      // With the periodic sync on, a new GitLab is read at once rather than at the next interval.
      if (app.env.PADDOCK_GITLAB_SYNC_INTERVAL_MS > 0) {
        app.gitlabSync
          .syncInstance(created.id)
          .catch((err: unknown) => request.log.warn({ err }, 'the first sync of a new GitLab failed'));
      }
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/gitlab-instances/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Get a GitLab instance',
        params: IdParams,
        response: { 200: GitlabInstance, 404: Problem },
      },
    },
    async (request) => service.get(request.params.id),
  );

  app.patch(
    '/gitlab-instances/:id',
    {
      config: { access: 'admin', audit: audit('update') },
      schema: {
        tags,
        summary: 'Change a GitLab instance (name, URL or access token)',
        params: IdParams,
        body: UpdateGitlabInstanceBody,
        description: 'A new URL or access token is checked against GitLab first, as on creation.',
        response: {
          200: GitlabInstance,
          400: Problem,
          404: Problem,
          409: Problem,
          422: Problem,
          502: Problem,
          503: Problem,
        },
      },
    },
    async (request) => service.update(request.params.id, request.body),
  );

  app.delete(
    '/gitlab-instances/:id',
    {
      config: { access: 'admin', audit: audit('delete') },
      schema: {
        tags,
        summary: 'Disconnect a GitLab instance that has no runners left',
        params: IdParams,
        response: { 204: z.null(), 404: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      await service.delete(request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default gitlabInstancesRoutes;
