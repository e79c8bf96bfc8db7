/**
 * buildApp(deps): the whole HTTP application, without listening. server.ts listens; tests call buildApp with their
 * own database and use `app.inject` or a real port.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyHttpOptions,
  type FastifyInstance,
} from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { LoggerOptions } from 'pino';
import agentGateway from './agent-gateway/gateway.js';
import auditPlugin from './plugins/audit.js';
import authPlugin from './plugins/auth.js';
import securityHeaders from './plugins/security-headers.js';
import type { RevisionSource } from './agent-gateway/session.js';
import type { Database } from './db/client.js';
import liveHub from './live/live-hub.js';
import { DEFAULT_MIGRATIONS_DIR } from './db/migrations.js';
import type { Env } from './env.js';
import type { GitlabConnectionCheck } from './gitlab/connection-check.js';
import type { RunnerTokenCheck } from './gitlab/runner-token-check.js';
import { createLocalEventBus, type EventBus } from './lib/event-bus.js';
import { responseSerializer } from './lib/response-serializer.js';
import type { SecretBox } from './lib/secrets.js';
import { apiModules } from './modules/index.js';
import { renderConfigToml } from './modules/revisions/render.js';
import { storedRevisions } from './modules/revisions/revision-source.js';
import type { ConfigRenderer } from './modules/revisions/revisions.service.js';
import fleetSamplerPlugin from './modules/fleet/fleet.plugin.js';
import healthRoutes from './modules/health/health.routes.js';
import gitlabSyncPlugin from './modules/sync/sync.plugin.js';
import dbPlugin from './plugins/db.js';
import downloadsPlugin from './plugins/downloads.js';
import errorsPlugin, { frameworkErrorHandler } from './plugins/errors.js';
import gitlabPlugin from './plugins/gitlab.js';
import metricsPlugin from './plugins/metrics.js';
import openapiPlugin from './plugins/openapi.js';
import requestTextPlugin from './plugins/request-text.js';
import revisionsPlugin from './plugins/revisions.js';
import webPlugin from './plugins/web.js';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const VERSION: string = (
  JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }
).version;

export interface AppDeps {
  env: Env;
  db: Database;
  secrets: SecretBox;
  /** events between replicas; defaults to an in-process bus (one replica) */
  events?: EventBus;
  /** what each machine should run; defaults to the revisions stored in the database */
  revisions?: RevisionSource;
  /** config.toml renderer; defaults to packages/runner-config */
  render?: ConfigRenderer;
  /** checks a GitLab URL and access token before they are stored; defaults to asking that GitLab */
  checkGitlabConnection?: GitlabConnectionCheck;
  /** checks a runner token an agent reports as rotated; defaults to asking its GitLab */
  checkRunnerToken?: RunnerTokenCheck;
  /** pino options, a logger instance, or false for silence (tests) */
  logger?: LoggerOptions | FastifyBaseLogger | false;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function trustProxy(value: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value.split(',').map((s) => s.trim());
}

export type App = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export async function buildApp(deps: AppDeps): Promise<App> {
  const { env } = deps;
  const loggerIsInstance = deps.logger && typeof (deps.logger as FastifyBaseLogger).child === 'function';
  const logging: Pick<FastifyHttpOptions<Server>, 'logger' | 'loggerInstance'> = loggerIsInstance
    ? { loggerInstance: deps.logger as FastifyBaseLogger }
    : { logger: deps.logger === undefined ? false : (deps.logger as LoggerOptions | false) };
  const app = Fastify<Server>({
    ...logging,
    bodyLimit: env.PADDOCK_BODY_LIMIT,
    trustProxy: trustProxy(env.PADDOCK_TRUST_PROXY),
    // A caller's request id is kept when it looks like one, so logs can be followed across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    routerOptions: { maxParamLength: 256 },
    // URLs the router cannot decode or whose parameters are too long: problem+json like every other refusal
    frameworkErrors: frameworkErrorHandler,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer({ check: env.PADDOCK_RESPONSE_CHECK === 'on' }));
  // JSON only: anything else is answered 415 instead of reaching a handler as a string.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorsPlugin);
  await app.register(requestTextPlugin);
  const events = deps.events ?? createLocalEventBus(app.log);
  await app.register(dbPlugin, { db: deps.db, secrets: deps.secrets, env, events });
  await app.register(securityHeaders);
  await app.register(authPlugin, { env });
  await app.register(metricsPlugin, { token: env.PADDOCK_METRICS_TOKEN, version: VERSION });
  await app.register(auditPlugin, { retentionDays: env.PADDOCK_AUDIT_RETENTION_DAYS });
  await app.register(openapiPlugin, { version: VERSION });
  await app.register(gitlabPlugin, {
    ...(deps.checkGitlabConnection && { checkConnection: deps.checkGitlabConnection }),
  });
  await app.register(revisionsPlugin, { events, render: deps.render ?? renderConfigToml });
  await app.register(gitlabSyncPlugin);
  await app.register(fleetSamplerPlugin, { intervalMs: env.PADDOCK_FLEET_SAMPLE_INTERVAL_MS });
  await app.register(healthRoutes, { migrationsDir: env.PADDOCK_MIGRATIONS_DIR ?? DEFAULT_MIGRATIONS_DIR });
  await app.register(
    async (api) => {
      for (const module of apiModules) await api.register(module);
    },
    { prefix: '/api/v1' },
  );
  await app.register(agentGateway, {
    events,
    revisions:
      deps.revisions ??
      storedRevisions(
        deps.db,
        (models) => app.revisions.renderStored(models),
        (machineId, above) => app.revisions.renumber(machineId, above),
        (listener) => app.revisions.onCommitted(listener),
      ),
    heartbeatIntervalMs: env.PADDOCK_AGENT_HEARTBEAT_MS,
    ...(deps.checkRunnerToken && { checkRunnerToken: deps.checkRunnerToken }),
    // Changes Paddock makes by itself are audited like anyone's, with Paddock or the agent as the actor.
    onHealthChanged: async (machineIds) => {
      const rollout = await app.revisions.rebalance(machineIds);
      if (rollout?.rolloutId)
        await app.audit.record({
          action: 'token_limit.resplit',
          targetType: 'rollout',
          targetId: rollout.rolloutId,
          after: {
            reason: 'fleet budget re-split after machines changed health',
            machineIds,
            shortfalls: rollout.shortfalls,
          },
        });
      return rollout;
    },
    onTokensAdopted: async (runnerIds) => {
      const machineIds = (
        await Promise.all(runnerIds.map((id) => app.revisions.machinesOfRunner(id)))
      ).flat();
      for (const runnerId of runnerIds)
        await app.audit.record(
          {
            action: 'runner.token_rotated',
            targetType: 'runner',
            targetId: runnerId,
            after: { by: 'gitlab-runner' },
          },
          null,
          { type: 'agent', id: null, label: 'gitlab-runner (via paddock-agent)' },
        );
      return app.revisions.sync(machineIds, 'token rotated by gitlab-runner', { type: 'agent', id: null });
    },
  });
  await app.register(liveHub, { events, traceIntervalMs: env.PADDOCK_TRACE_POLL_MS });
  await app.register(downloadsPlugin, {
    agentBundle: env.PADDOCK_AGENT_BUNDLE ?? path.resolve(packageDir, '../agent/dist/paddock-agent.js'),
  });
  await app.register(webPlugin, { root: env.PADDOCK_WEB_DIR ?? path.resolve(packageDir, '../web/dist') });
  return app;
}
