/**
 * Data retention for the whole app (see retention.service.ts): with PADDOCK_RETENTION_INTERVAL_MS above 0, a first
 * pass a minute after the app is ready, then one per interval; stopped with the app. It has no routes; the settings
 * are PADDOCK_JOB_RETENTION_DAYS, PADDOCK_FLEET_SAMPLE_RETENTION_DAYS, PADDOCK_REVISIONS_KEPT and, for emptied
 * rollouts, PADDOCK_AUDIT_RETENTION_DAYS.
 */
import type { FastifyInstance } from 'fastify';
import { retentionRepository } from './retention.repository.js';
import { retentionService } from './retention.service.js';
import { retentionWorker } from './retention-worker.js';

/** Start-up (migrations, agents reconnecting, the first GitLab sync) settles before a backlog is deleted. */
const FIRST_PASS_DELAY_MS = 60_000;

export default async function retentionPlugin(app: FastifyInstance): Promise<void> {
  const { env } = app;
  const intervalMs = env.PADDOCK_RETENTION_INTERVAL_MS;
  if (intervalMs <= 0) return;
  const log = app.log.child({ module: 'retention' });
  const service = retentionService({
    repo: retentionRepository(app.db.prisma),
    pool: app.db.pool,
    settings: {
      jobRetentionDays: env.PADDOCK_JOB_RETENTION_DAYS,
      fleetSampleRetentionDays: env.PADDOCK_FLEET_SAMPLE_RETENTION_DAYS,
      revisionsKept: env.PADDOCK_REVISIONS_KEPT,
      auditRetentionDays: env.PADDOCK_AUDIT_RETENTION_DAYS,
    },
    log,
  });
  const worker = retentionWorker({
    firstDelayMs: Math.min(FIRST_PASS_DELAY_MS, intervalMs),
    intervalMs,
    pass: (signal) => service.pruneNow({ signal }),
    log,
  });
  app.addHook('onReady', async () => worker.start());
  app.addHook('onClose', async () => worker.stop());
}
