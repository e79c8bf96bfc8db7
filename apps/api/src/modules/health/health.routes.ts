/**
 * /healthz answers while the process runs; /readyz only when the database answers and its schema is current, so a
 * load balancer sends no traffic to a replica that cannot serve it.
 */
import { Health, Readiness } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { describeStatus, isCurrent, migrationStatus, readMigrations } from '../../db/migrations.js';

export interface HealthOptions {
  migrationsDir: string;
}

const healthRoutes: FastifyPluginAsyncZod<HealthOptions> = async (app, opts) => {
  const migrations = await readMigrations(opts.migrationsDir);

  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'The process is up', response: { 200: Health } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'The database answers and its schema is current',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const result: Readiness = {
        status: 'ready',
        checks: { database: { ok: true }, migrations: { ok: true, pending: [] } },
      };
      try {
        const status = await migrationStatus(app.db.pool, migrations);
        result.checks.migrations = { ok: isCurrent(status), pending: status.pending };
        if (!isCurrent(status)) result.checks.migrations.detail = describeStatus(status);
      } catch (error) {
        result.checks.database = {
          ok: false,
          detail: `database unreachable (${(error as { code?: string }).code ?? 'error'})`,
        };
        result.checks.migrations = {
          ok: false,
          detail: 'unknown while the database is unreachable',
          pending: [],
        };
      }
      const ok = result.checks.database.ok && result.checks.migrations.ok;
      result.status = ok ? 'ready' : 'not_ready';
      return reply.status(ok ? 200 : 503).send(result);
    },
  );
};

export default healthRoutes;
