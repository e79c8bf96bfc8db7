/**
 * GitLab clients for every module (one limiter per GitLab for the whole process) and the check a GitLab URL and
 * access token pass before they are stored. buildApp may be given another check (tests that have no GitLab).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { gitlabClients, type GitlabClients } from '../gitlab/client.js';
import { gitlabConnectionCheck, type GitlabConnectionCheck } from '../gitlab/connection-check.js';

/** Longest `Retry-After` Paddock waits for while a browser waits for Paddock. */
const MAX_RETRY_WAIT_MS = 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    gitlab: GitlabClients;
    checkGitlabConnection: GitlabConnectionCheck;
  }
}

export default fp(
  async function gitlabPlugin(app: FastifyInstance, opts: { checkConnection?: GitlabConnectionCheck }) {
    const clients = gitlabClients({
      secrets: app.secrets,
      options: {
        concurrency: app.env.PADDOCK_GITLAB_CONCURRENCY,
        timeoutMs: app.env.PADDOCK_GITLAB_TIMEOUT_MS,
        maxRetries: app.env.PADDOCK_GITLAB_MAX_RETRIES,
        maxRetryWaitMs: MAX_RETRY_WAIT_MS,
        onAnswer: (outcome) => app.metrics.gitlabRequests.inc({ outcome }),
      },
    });
    app.decorate('gitlab', clients);
    app.decorate('checkGitlabConnection', opts.checkConnection ?? gitlabConnectionCheck(clients));
  },
  { name: 'gitlab', dependencies: ['db', 'metrics'] },
);
