/**
 * The API process of the config-push benchmark: the real app (`buildApp` + `listen`) as `server.ts` wires it for
 * an external Postgres (pool of 20, LISTEN/NOTIFY event bus, pino at info level), in a child process of its own so
 * its RSS and CPU time can be read from /proc without the agents' or the load generator's.
 *
 * Nothing of the app is replaced. Its injection points are wrapped to count and time what they do (the event bus,
 * the renderer, every method of the revisions service such as `sync` and `renderStored`, the pg client's `query`),
 * and log lines are counted by level instead of being written. The parent talks to it over the IPC channel (see `ApiRequest`).
 *
 * Environment: BENCH_DATABASE_URL, BENCH_SECRET_KEY (hex), PADDOCK_AGENT_HEARTBEAT_MS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type AppDeps } from '../../apps/api/src/app.js';
import { createDatabase } from '../../apps/api/src/db/client.js';
import { parseEnv } from '../../apps/api/src/env.js';
import { createPgEventBus, splitEvent, type EventBus } from '../../apps/api/src/lib/event-bus.js';
import { loggerOptions } from '../../apps/api/src/lib/logger.js';
import { createSecretBox } from '../../apps/api/src/lib/secrets.js';
import { countLog, type LogCounts } from './log-counts.js';
import { renderConfigToml } from '../../apps/api/src/modules/revisions/render.js';
import type { ConfigRenderer } from '../../apps/api/src/modules/revisions/revisions.service.js';

export type ApiRequest =
  | { type: 'stats'; id: number }
  | { type: 'reset'; id: number }
  | { type: 'gc'; id: number }
  | { type: 'profile-start'; id: number }
  | { type: 'profile-stop'; id: number; file: string }
  | { type: 'stop'; id: number };

/** A timer: how many calls, their summed and longest wall time (concurrent calls overlap). */
export interface Timer {
  calls: number;
  totalMs: number;
  maxMs: number;
}

export interface Tally {
  count: number;
  ms: number;
}

export interface ApiStats {
  sessions: number;
  memory: NodeJS.MemoryUsage;
  /** statements sent to Postgres: count and summed time (from send to result) by kind, all and inside `sync` */
  queries: { total: number; totalMs: number; byKind: Record<string, Tally>; inSync: Record<string, Tally> };
  /** longest queue of callers waiting for a pool connection, sampled every 10 ms */
  maxPoolWaiting: number;
  /** methods of the revisions service (`app.revisions`), by name */
  revisions: Record<string, Timer>;
  render: Timer;
  publish: Record<string, Timer>;
  /** NOTIFY statements the published events became (an event's machine ids are split into ~7,000-byte parts) */
  notifies: Record<string, number>;
  logs: LogCounts;
}

export type ApiReply =
  { type: 'ready'; url: string } | { type: 'reply'; id: number; stats?: ApiStats; error?: string };

/** Marks the pooled connection that carries the PATCH transaction. */
const SYNC_CLIENT = Symbol('bench: sync transaction');

const newTimer = (): Timer => ({ calls: 0, totalMs: 0, maxMs: 0 });

/** Wraps `fn` so each call is counted and timed, whether it returns a promise or a value. */
function timed<A extends unknown[], R>(timer: () => Timer, fn: (...args: A) => R) {
  return (...args: A): R => {
    const t0 = performance.now();
    const stop = () => {
      const dt = performance.now() - t0;
      const t = timer();
      t.calls++;
      t.totalMs += dt;
      t.maxMs = Math.max(t.maxMs, dt);
    };
    const result = fn(...args);
    if (result instanceof Promise) {
      result.then(stop, stop);
    } else stop();
    return result;
  };
}

/** BEGIN/COMMIT, or the statement's verb and first table, e.g. `UPDATE machines`. */
function queryKind(text: string): string {
  const t = text.trimStart();
  const verb = /^\w+/.exec(t)?.[0]?.toUpperCase() ?? '?';
  if (verb === 'BEGIN' || verb === 'COMMIT' || verb === 'ROLLBACK') return verb;
  const table =
    verb === 'SELECT'
      ? /\bFROM\s+"?(?:public"?\."?)?(\w+)/i.exec(t)?.[1]
      : /^(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?:public"?\."?)?(\w+)/i.exec(t)?.[1];
  return table ? `${verb} ${table}` : verb;
}

async function main() {
  const send = (m: ApiReply) => process.send?.(m);
  const key = Buffer.from(process.env.BENCH_SECRET_KEY ?? '', 'hex');
  const connectionString = process.env.BENCH_DATABASE_URL ?? '';
  // The app wants a data directory even with an external database; it is removed however the process ends.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-api-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const env = parseEnv({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: connectionString,
    PADDOCK_SECRET_KEY: key.toString('hex'),
    PADDOCK_AGENT_HEARTBEAT_MS: process.env.PADDOCK_AGENT_HEARTBEAT_MS,
    PADDOCK_DATA_DIR: dataDir,
    PADDOCK_WEB_DIR: path.join(os.tmpdir(), 'paddock-bench-no-web'),
  });

  let stats = fresh();
  /**
   * The PATCH transaction's statements: once `revisions.sync` starts, the next BEGIN opens its transaction (nothing
   * else runs then: one push at a time, agents idle), and every statement on that connection up to its COMMIT or
   * ROLLBACK is the transaction's, whatever else meanwhile runs on the other connections.
   */
  let syncArmed = false;
  function fresh() {
    return {
      queries: {
        total: 0,
        totalMs: 0,
        byKind: {} as Record<string, Tally>,
        inSync: {} as Record<string, Tally>,
      },
      maxPoolWaiting: 0,
      revisions: {} as Record<string, Timer>,
      render: newTimer(),
      publish: {} as Record<string, Timer>,
      notifies: {} as Record<string, number>,
      logs: { warn: 0, error: 0, byMessage: {}, first: [] } as LogCounts,
    };
  }

  const db = createDatabase({ connectionString, maxConnections: 20 });
  // Every statement Prisma and the event bus send goes through pg's Client#query.
  const clientProto = (
    db.pool as unknown as { Client: { prototype: { query: (...a: unknown[]) => unknown } } }
  ).Client.prototype;
  const originalQuery = clientProto.query;
  clientProto.query = function (this: Record<symbol, boolean>, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');
    const kind = queryKind(text);
    const q = stats.queries;
    q.total++;
    const tallies = [(q.byKind[kind] ??= { count: 0, ms: 0 })];
    if (syncArmed && kind === 'BEGIN') {
      syncArmed = false;
      this[SYNC_CLIENT] = true;
    }
    if (this[SYNC_CLIENT]) {
      tallies.push((q.inSync[kind] ??= { count: 0, ms: 0 }));
      if (kind === 'COMMIT' || kind === 'ROLLBACK') this[SYNC_CLIENT] = false;
    }
    for (const t of tallies) t.count++;
    const t0 = performance.now();
    const done = () => {
      const dt = performance.now() - t0;
      q.totalMs += dt;
      for (const t of tallies) t.ms += dt;
    };
    const result = originalQuery.apply(this, args);
    if (result instanceof Promise) result.then(done, done);
    return result;
  };
  setInterval(() => {
    stats.maxPoolWaiting = Math.max(stats.maxPoolWaiting, db.pool.waitingCount);
  }, 10).unref();

  const secrets = createSecretBox(key);
  const bus = createPgEventBus({
    connectionString,
    pool: db.pool,
    log: { warn: () => {}, error: () => {} } as never,
  });
  await bus.ready();
  const events: EventBus = {
    ...bus,
    publish: (event) => {
      const t = (stats.publish[event.topic] ??= newTimer());
      stats.notifies[event.topic] = (stats.notifies[event.topic] ?? 0) + splitEvent(event).length;
      return timed(() => t, bus.publish)(event);
    },
  };
  const render: ConfigRenderer = timed(() => stats.render, renderConfigToml);

  const levels: Record<number, 'warn' | 'error'> = { 40: 'warn', 50: 'error', 60: 'error' };
  const logger = {
    ...loggerOptions({ level: 'info', pretty: false }),
    // Counted instead of written: serialisation stays as in production, the terminal stays quiet.
    stream: {
      write(line: string) {
        const level = levels[Number(/"level":(\d+)/.exec(line)?.[1])];
        if (!level) return;
        countLog(stats.logs, level, line);
      },
    },
  } as unknown as AppDeps['logger'];

  const app = await buildApp({ env, db, secrets, events, render, logger });
  // The routes and the gateway call the service through `app.revisions`, so its methods can be wrapped in place.
  const service = app.revisions as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(service)) {
    if (typeof fn !== 'function') continue;
    const original = (fn as (...a: unknown[]) => unknown).bind(service);
    const wrapped = timed(() => (stats.revisions[name] ??= newTimer()), original);
    service[name] =
      name === 'sync'
        ? (...args: unknown[]) => {
            syncArmed = true;
            return wrapped(...args);
          }
        : wrapped;
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  const profiler = new Session();
  profiler.connect();

  const snapshot = (): ApiStats => ({
    sessions: app.agentGateway.sessions.size,
    memory: process.memoryUsage(),
    ...stats,
  });

  process.on('message', (msg: ApiRequest) => {
    const reply = (extra: Partial<Extract<ApiReply, { type: 'reply' }>> = {}) =>
      send({ type: 'reply', id: msg.id, ...extra });
    const run = async () => {
      switch (msg.type) {
        case 'stats':
          return reply({ stats: snapshot() });
        case 'reset':
          stats = fresh();
          return reply();
        case 'gc':
          (globalThis as { gc?: () => void }).gc?.();
          return reply({ stats: snapshot() });
        case 'profile-start':
          await profiler.post('Profiler.enable');
          await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
          await profiler.post('Profiler.start');
          return reply();
        case 'profile-stop': {
          const { profile } = await profiler.post('Profiler.stop');
          await writeFile(msg.file, JSON.stringify(profile));
          return reply();
        }
        case 'stop':
          await app.close();
          await bus.close();
          await db.close();
          reply();
          setTimeout(() => process.exit(0), 100);
          return;
      }
    };
    run().catch((err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }));
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
