/**
 * Prometheus metrics at `GET /metrics`. Each app has its own registry (tests build many apps in one process, and a
 * replica's figures are its own), decorated as `app.metrics` with the metric objects modules record into:
 * - counted where they happen: rollouts and revisions recorded, apply latency (revision recorded → agent applied),
 *   GitLab requests by outcome, GitLab sync duration, HTTP request duration by route template;
 * - read when scraped: connected agents, `/live` clients and subscriptions, trace pollers, agent refusals, drifted
 *   machines (a database count, cached for DRIFT_CACHE_MS so scrapes cannot hammer the database), and the
 *   process's CPU, memory and event-loop lag.
 *
 * prom-client's collectDefaultMetrics is not used: its GC observer and event-loop monitor can never be stopped, so
 * every app built would leave both running. The process figures here stop with the app.
 *
 * Access: `Authorization: Bearer <PADDOCK_METRICS_TOKEN>` (a scraper), or any signed-in person or API token. The
 * access layer sees the route as `public` because the scrape token is not a Paddock credential; the handler
 * refuses everyone else.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GITLAB_OUTCOMES } from '../gitlab/transport.js';
import { ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import { bearerToken, hashToken, sameHash } from '../lib/tokens.js';

/** how long a drift count read from the database is reused */
export const DRIFT_CACHE_MS = 5_000;

const ACTOR_TYPES = ['user', 'api_token', 'agent', 'system'] as const;

/** The metrics modules record into; everything else is read at scrape time. */
export interface AppMetrics {
  readonly registry: Registry;
  /** rollouts recorded on this replica, by who caused them (`actor`: user, api_token, agent, system) */
  readonly rollouts: Counter<'actor'>;
  /** revisions recorded by those rollouts (one per machine whose config.toml changed) */
  readonly revisionsRecorded: Counter;
  /** seconds from a revision being recorded to its agent reporting it applied */
  readonly applyLatency: Histogram;
  /** requests sent to GitLab, by outcome */
  readonly gitlabRequests: Counter<'outcome'>;
  /** seconds one GitLab sync run took, by result (ok, failed) */
  readonly syncDuration: Histogram<'result'>;
  /** seconds to answer an HTTP request, by method, route template and status class */
  readonly httpDuration: Histogram<'method' | 'route' | 'status_class'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: AppMetrics;
  }
}

export interface MetricsOptions {
  /** PADDOCK_METRICS_TOKEN: the bearer token a scraper sends; unset, only signed-in callers may scrape */
  token?: string | undefined;
  /** the API's version, as `paddock_build_info{version}` */
  version: string;
  /** milliseconds clock for the drift cache */
  now?: () => number;
}

/**
 * A reading reused for `ttlMs`; concurrent callers share one read. A failed read is not cached, so the next scrape
 * tries again.
 */
export function cachedReading(
  read: () => Promise<number>,
  ttlMs: number,
  now: () => number,
): () => Promise<number> {
  let last: { at: number; value: number } | undefined;
  let inFlight: Promise<number> | undefined;
  return () => {
    if (last && now() - last.at < ttlMs) return Promise.resolve(last.value);
    inFlight ??= read()
      .then((value) => {
        last = { at: now(), value };
        return value;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}

/** Creates the app's metric objects in `registry`. */
export function createAppMetrics(registry: Registry): AppMetrics {
  const registers = [registry];
  const rollouts = new Counter({
    name: 'paddock_rollouts_total',
    help: 'Rollouts recorded by this replica (each gives one or more machines a new revision), by actor type.',
    labelNames: ['actor'] as const,
    registers,
  });
  // Known label values start at 0, so rate() sees the first increase.
  for (const actor of ACTOR_TYPES) rollouts.inc({ actor }, 0);
  const gitlabRequests = new Counter({
    name: 'paddock_gitlab_requests_total',
    help:
      'Requests sent to GitLab, each attempt counted, by outcome: ok (2xx), rate_limited (429), rejected (other ' +
      '3xx/4xx), server_error (5xx), unreachable (timeout or network error).',
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const outcome of GITLAB_OUTCOMES) gitlabRequests.inc({ outcome }, 0);
  const syncDuration = new Histogram({
    name: 'paddock_gitlab_sync_duration_seconds',
    help: 'Duration of one GitLab sync run (runners, runner managers, watched jobs), by result.',
    labelNames: ['result'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  for (const result of ['ok', 'failed']) syncDuration.zero({ result });
  return {
    registry,
    rollouts,
    revisionsRecorded: new Counter({
      name: 'paddock_revisions_recorded_total',
      help: 'Config revisions recorded by this replica (one per machine whose config.toml changed).',
      registers,
    }),
    // Connected agents answer in well under a second; an offline machine applies when it comes back, hours later.
    applyLatency: new Histogram({
      name: 'paddock_revision_apply_latency_seconds',
      help: 'Time from a revision being recorded to its agent reporting it applied.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    gitlabRequests,
    syncDuration,
    httpDuration: new Histogram({
      name: 'paddock_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

/** The process's CPU, memory and event-loop lag in `registry`; `stop()` ends the event-loop monitor. */
export function processMetrics(registry: Registry): { stop(): void } {
  const registers = [registry];
  new Counter({
    name: 'paddock_process_cpu_seconds_total',
    help: 'User and system CPU time spent by the process, in seconds.',
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  new Gauge({
    name: 'paddock_process_start_time_seconds',
    help: 'Start time of the process since the Unix epoch, in seconds.',
    registers,
  }).set(Math.round(Date.now() / 1000 - process.uptime()));
  new Gauge({
    name: 'paddock_process_resident_memory_bytes',
    help: 'Resident memory of the process, in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'paddock_nodejs_heap_used_bytes',
    help: 'V8 heap in use, in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: 'paddock_nodejs_heap_total_bytes',
    help: 'V8 heap reserved, in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage().heapTotal);
    },
  });
  new Gauge({
    name: 'paddock_nodejs_active_resources',
    help: 'Resources (sockets, timers, file handles...) keeping the event loop alive.',
    registers,
    collect() {
      this.set(process.getActiveResourcesInfo().length);
    },
  });

  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  // One snapshot per scrape, taken by the first of the gauges below (a registry collects in registration order).
  let snapshot = { p50: 0, p99: 0, max: 0 };
  const lag = (name: string, help: string, pick: (s: typeof snapshot) => number, first = false) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (first) {
          snapshot =
            delay.count > 0
              ? {
                  p50: delay.percentile(50) / 1e9,
                  p99: delay.percentile(99) / 1e9,
                  max: delay.max / 1e9,
                }
              : { p50: 0, p99: 0, max: 0 };
          delay.reset();
        }
        this.set(pick(snapshot));
      },
    });
  lag(
    'paddock_nodejs_eventloop_lag_p50_seconds',
    'Median event-loop delay since the previous scrape, in seconds.',
    (s) => s.p50,
    true,
  );
  lag(
    'paddock_nodejs_eventloop_lag_p99_seconds',
    '99th percentile of the event-loop delay since the previous scrape, in seconds.',
    (s) => s.p99,
  );
  lag(
    'paddock_nodejs_eventloop_lag_max_seconds',
    'Longest event-loop delay since the previous scrape, in seconds.',
    (s) => s.max,
  );
  return { stop: () => delay.disable() };
}

export default fp(
  async function metricsPlugin(app: FastifyInstance, opts: MetricsOptions) {
    const registry = new Registry();
    const metrics = createAppMetrics(registry);
    app.decorate('metrics', metrics);
    const processFigures = processMetrics(registry);
    app.addHook('onClose', async () => processFigures.stop());
    const registers = [registry];

    new Gauge({
      name: 'paddock_build_info',
      help: 'Always 1; the version of the API in its label.',
      labelNames: ['version'] as const,
      registers,
    }).set({ version: opts.version }, 1);

    // What other plugins hold is read when scraped, so the figures cannot drift from the truth; those plugins are
    // registered after this one.
    new Gauge({
      name: 'paddock_agents_connected',
      help: 'Agents connected to this replica (after their hello).',
      registers,
      collect() {
        this.set(app.hasDecorator('agentGateway') ? app.agentGateway.sessions.size : 0);
      },
    });
    new Counter({
      name: 'paddock_agent_refusals_total',
      help:
        'Agent frames and reports refused on this replica, by reason: invalid_frame, rate_limited, ' +
        'oversized_frame, refused_report (about another machine or a revision Paddock did not make).',
      labelNames: ['reason'] as const,
      registers,
      collect() {
        if (!app.hasDecorator('agentGateway')) return;
        const c = app.agentGateway.counters;
        this.reset();
        this.inc({ reason: 'invalid_frame' }, c.invalidFrames);
        this.inc({ reason: 'rate_limited' }, c.rateLimited);
        this.inc({ reason: 'oversized_frame' }, c.oversizedFrames);
        this.inc({ reason: 'refused_report' }, c.refusedReports);
      },
    });
    new Gauge({
      name: 'paddock_live_clients',
      help: 'Browser and wall-screen sockets open on /live on this replica.',
      registers,
      collect() {
        this.set(app.hasDecorator('liveHub') ? app.liveHub.clientCount : 0);
      },
    });
    new Gauge({
      name: 'paddock_live_subscriptions',
      help: 'Topic subscriptions of those sockets.',
      registers,
      collect() {
        this.set(app.hasDecorator('liveHub') ? app.liveHub.subscriptionCount : 0);
      },
    });
    new Gauge({
      name: 'paddock_trace_pollers',
      help: 'Job logs read from GitLab on this replica now (one poller per job, however many viewers).',
      registers,
      collect() {
        this.set(app.hasDecorator('liveHub') ? app.liveHub.tracesWatched : 0);
      },
    });
    const driftCount = cachedReading(
      () => app.db.prisma.machine.count({ where: { driftSha256: { not: null } } }),
      DRIFT_CACHE_MS,
      opts.now ?? Date.now,
    );
    new Gauge({
      name: 'paddock_machines_drifted',
      help: 'Machines whose config.toml differs from their applied revision (the whole fleet, on every replica).',
      registers,
      async collect() {
        try {
          this.set(await driftCount());
        } catch (err) {
          // The scrape still answers with everything else; the gauge keeps its last value.
          app.log.warn({ err }, 'could not count drifted machines');
        }
      },
    });

    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        {
          method: request.method,
          // The template, not the URL: ids in paths would make a series per machine.
          route: request.routeOptions.url ?? 'unmatched',
          status_class: `${Math.floor(reply.statusCode / 100)}xx`,
        },
        reply.elapsedTime / 1000,
      );
    });

    const tokenHash = opts.token ? hashToken(opts.token) : null;
    const allowed = (request: FastifyRequest) => {
      const bearer = bearerToken(request.headers.authorization);
      // Hashes have one length whatever was sent, so the comparison takes the same time for any token.
      if (tokenHash && bearer && sameHash(hashToken(bearer), tokenHash)) return;
      const p = request.principal;
      if (p.kind === 'session' || p.kind === 'api_token') return;
      if (p.kind === 'display') throw new ForbiddenError('A display token only reads the fleet summary.');
      throw new UnauthorizedError(
        'Send Authorization: Bearer <PADDOCK_METRICS_TOKEN>, or the API token of a Paddock user.',
      );
    };

    app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
      allowed(request);
      const body = await registry.metrics();
      return reply.type(registry.contentType).header('cache-control', 'no-store').send(body);
    });
  },
  { name: 'metrics', dependencies: ['db', 'auth'] },
);
