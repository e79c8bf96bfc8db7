/** A GitLab's sync: how the last run went, and a run on request. */
import { GitlabSyncRun, GitlabSyncStatus, IdParams, Problem } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

const syncRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['gitlab'];

  app.get(
    '/gitlab-instances/:id/sync',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: "A GitLab's sync: last success, last error, and this replica's last run",
        params: IdParams,
        response: { 200: GitlabSyncStatus, 400: Problem, 404: Problem },
      },
    },
    async (request) => app.gitlabSync.status(request.params.id),
  );

  app.post(
    '/gitlab-instances/:id/sync',
    {
      config: { access: 'operator', audit: { action: 'gitlab_sync.run', targetType: 'gitlab_instance' } },
      schema: {
        tags,
        summary: 'Sync runners, runner managers and watched jobs from this GitLab now',
        description:
          'Runs one sync and answers with it once it ends. A run that GitLab made fail is still a 200: its ' +
          "`error` says why, and it is recorded as the instance's `lastSyncError`. A run already under way on " +
          'this replica is joined; one under way on another replica is a 409.',
        params: IdParams,
        response: { 200: GitlabSyncRun, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request) => app.gitlabSync.syncNow(request.params.id),
  );
};

export default syncRoutes;
