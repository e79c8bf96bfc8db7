/**
 * The GitLab sync service for the routes and for tests (`app.gitlabSync.syncInstance(id)` runs one pass without
 * any timer), and the periodic worker: started when the app is ready unless PADDOCK_GITLAB_SYNC_INTERVAL_MS is
 * 0, stopped (waiting for the run under way) when the app closes.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jobsRepository } from '../jobs/jobs.repository.js';
import { gitlabSyncService, type GitlabSyncService } from './gitlab-sync.js';
import { syncRepository } from './sync.repository.js';
import { syncWorker } from './sync-worker.js';

declare module 'fastify' {
  interface FastifyInstance {
    gitlabSync: GitlabSyncService;
  }
}

export default fp(
  async function gitlabSyncPlugin(app: FastifyInstance) {
    const intervalMs = app.env.PADDOCK_GITLAB_SYNC_INTERVAL_MS;
    const log = app.log.child({ module: 'gitlab-sync' });
    const service = gitlabSyncService({
      repo: syncRepository(app.db.prisma),
      jobs: jobsRepository(app.db.prisma),
      gitlab: app.gitlab,
      pool: app.db.pool,
      intervalMs,
      log,
      onRun: (gitlabInstanceId, run) => {
        app.metrics.syncDuration.observe(
          { result: run.error === null ? 'ok' : 'failed' },
          run.durationMs / 1000,
        );
        return app.events.publish({ topic: 'gitlab.synced', gitlabInstanceId, at: run.finishedAt });
      },
    });
    app.decorate('gitlabSync', service);

    const worker = intervalMs > 0 ? syncWorker({ intervalMs, pass: () => service.syncAll(), log }) : null;
    app.addHook('onReady', async () => worker?.start());
    app.addHook('onClose', async () => {
      await service.close();
      await worker?.stop();
    });
  },
  { name: 'gitlab-sync', dependencies: ['db', 'gitlab', 'metrics'] },
);
