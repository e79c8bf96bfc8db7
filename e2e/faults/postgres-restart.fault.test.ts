/**
 * Postgres going away under load, with the built API and the built agent (issue 8, point 2): a Postgres cluster
 * of this test's own (support/private-postgres.ts) is stopped like a crash (`pg_ctl stop -m immediate`), started
 * again, then frozen (every Postgres process stopped with SIGSTOP: connections stay open, nothing answers) and
 * thawed, while four loops of requests keep coming and the agent keeps reporting every second.
 *
 * Throughout: `/readyz` answers 503 while the database is away and 200 once it is back, without restarting
 * Paddock; every other request fails fast with a 503 problem+json (never a 500, never a hang: each request is
 * given HANG_BOUND_MS, far above the database timeouts configured here); and afterwards a change still reaches
 * the agent, which needs the LISTEN/NOTIFY listener back (or, for what was announced while it was away, the
 * reconcile it triggers when it is).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBenchAdmin } from '../../bench/lib/auth.js';
import { factories } from '../../apps/api/test/support/factories.js';
import { createDatabase, type Database } from '../../apps/api/src/db/client.js';
import { createSecretBox } from '../../apps/api/src/lib/secrets.js';
import { enrollHost, type AgentHost } from './support/agent-host.js';
import { freePort, startBuiltApi, type BuiltApi } from './support/built-api.js';
import {
  createDatabaseOn,
  privatePostgresUnavailable,
  startPrivatePostgres,
  type PrivatePostgres,
} from './support/private-postgres.js';

const KEY = randomBytes(32);
const TOKEN = 'glrt-t1_PostgresRestart000001';
/** The timeouts the API runs with here; a request may take at most their sum, plus the grace, plus slack. */
const CONNECT_TIMEOUT_MS = 2_000;
const QUERY_TIMEOUT_MS = 3_000;
const HANG_BOUND_MS = 20_000;
const LOADED_PATHS = ['/api/v1/machines', '/api/v1/runners', '/api/v1/audit-events', '/readyz'];

const skip = privatePostgresUnavailable();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

interface Sample {
  path: string;
  /** when it was sent, as performance.now() */
  at: number;
  ms: number;
  status: number | 'hung' | 'network';
  contentType: string;
  code?: string;
  retryAfter?: string | null;
}

/** Requests in `concurrency` loops until stopped, each with a hard deadline so a hang shows up as `hung`. */
function startLoad(api: { url: string; authorization: string }, concurrency: number) {
  const samples: Sample[] = [];
  let running = true;
  let n = 0;
  const loop = async () => {
    while (running) {
      const path = LOADED_PATHS[n++ % LOADED_PATHS.length]!;
      const at = performance.now();
      const sample: Sample = { path, at, ms: 0, status: 'network', contentType: '' };
      try {
        const res = await fetch(`${api.url}${path}`, {
          headers: { authorization: api.authorization },
          signal: AbortSignal.timeout(HANG_BOUND_MS),
        });
        sample.status = res.status;
        sample.contentType = res.headers.get('content-type') ?? '';
        sample.retryAfter = res.headers.get('retry-after');
        const body = (await res.json().catch(() => null)) as { code?: string } | null;
        if (body?.code) sample.code = body.code;
      } catch (error) {
        sample.status = (error as Error).name === 'TimeoutError' ? 'hung' : 'network';
      }
      sample.ms = performance.now() - at;
      samples.push(sample);
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    samples,
    since: (t: number) => samples.filter((s) => s.at >= t),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function until<T>(
  what: string,
  fn: () => Promise<T> | T,
  ok: (v: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skip)(
  `Postgres stopped, restarted and frozen under load${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let pg: PrivatePostgres;
    let db: Database;
    let api: BuiltApi;
    let authorization: string;
    let host: AgentHost;
    let runnerId: string;
    let load: ReturnType<typeof startLoad>;

    const readyz = async () => {
      const res = await fetch(`${api.url}/readyz`, { signal: AbortSignal.timeout(HANG_BOUND_MS) });
      return { status: res.status, body: (await res.json()) as { checks: { database: { ok: boolean } } } };
    };
    const patchLimit = async (limit: number) => {
      const res = await fetch(`${api.url}/api/v1/runners/${runnerId}/token`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ limit }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    };
    const appliedLimit = (limit: number) =>
      until(
        `limit = ${limit} in the agent's config.toml`,
        () => host.configText(),
        (text) => text.includes(`limit = ${limit}\n`),
      );
    /** While the database is away: API routes answer 503 problem+json `unavailable`, /readyz 503. */
    const expectFailedFast = (samples: Sample[]) => {
      for (const s of samples) {
        expect(s.status, `${s.path} took ${Math.round(s.ms)} ms`).not.toBe('hung');
        if (s.status === 200) continue;
        expect(s.status, s.path).toBe(503);
        if (s.path === '/readyz') continue;
        expect(s.contentType).toMatch(/^application\/problem\+json/);
        expect(s.code).toBe('unavailable');
        expect(s.retryAfter).toBe('5');
      }
    };

    beforeAll(async () => {
      pg = await startPrivatePostgres();
      cleanups.push(() => pg.destroy());
      const url = await createDatabaseOn(pg, 'paddock');
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-pg-restart-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      db = createDatabase({ connectionString: url, maxConnections: 2 });
      cleanups.push(() => db.close());
      api = await startBuiltApi(
        {
          DATABASE_URL: url,
          PADDOCK_SECRET_KEY: KEY.toString('base64'),
          PADDOCK_DATA_DIR: dataDir,
          PADDOCK_AGENT_HEARTBEAT_MS: '1000',
          PADDOCK_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
          PADDOCK_DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        },
        await freePort(),
      );
      cleanups.push(() => api.kill());
      authorization = await createBenchAdmin(db.prisma, 'faults-admin@example.test');
      const f = factories(db, createSecretBox(KEY));
      const gitlab = await f.gitlabInstance({ url: 'https://gitlab.pg-restart.example.com' });
      runnerId = (await f.runner(gitlab.id, { description: 'pg restart' }, TOKEN)).id;
      host = await enrollHost({ url: api.url, authorization }, 'pg-restart', 'r_pgRestart001');
      cleanups.push(() => host.destroy());
      await db.prisma.assignment.create({ data: { runnerId, machineId: host.machineId } });
      host.start();
      await until(
        'the agent online',
        () => db.prisma.machine.findUniqueOrThrow({ where: { id: host.machineId } }),
        (m) => m.connectionState === 'online',
      );
      await patchLimit(2);
      await appliedLimit(2);
      load = startLoad({ url: api.url, authorization }, 4);
      cleanups.push(() => load.stop());
      // The load runs against a healthy database first.
      await until(
        'load against a healthy database',
        () => load.samples.filter((s) => s.status === 200).length,
        (n) => n >= 20,
      );
    }, 180_000);

    it(
      'a crash stop: /readyz 503 and fast 503s meanwhile, then recovery without restarting Paddock',
      { timeout: 120_000 },
      async () => {
        const stoppedAt = performance.now();
        await pg.stop('immediate');
        // Postgres is down for good until started: /readyz must say so at once.
        const down = await until('/readyz 503', readyz, (r) => r.status === 503, 10_000);
        expect(down.body.checks.database.ok).toBe(false);
        // Enough requests on every route while it is down, and a few heartbeats of the agent failing to be recorded.
        await until(
          'requests while the database is down',
          () => load.since(stoppedAt).filter((s) => s.path !== '/readyz' && s.status === 503).length,
          (n) => n >= 30,
        );
        const outage = load.since(stoppedAt);
        await pg.start();
        await until('/readyz 200', readyz, (r) => r.status === 200);
        const backAt = performance.now();
        await until(
          'requests answered again',
          () => load.since(backAt).filter((s) => s.path === '/api/v1/machines' && s.status === 200).length,
          (n) => n >= 3,
        );
        expectFailedFast(outage);
        expect(api.child.exitCode).toBeNull();
        expect(api.child.signalCode).toBeNull();

        // A change made now reaches the agent: the listener is back (or its return reconciles every agent here).
        await patchLimit(3);
        await appliedLimit(3);
        await until(
          'the machine online, its revision applied',
          () => db.prisma.machine.findUniqueOrThrow({ where: { id: host.machineId } }),
          (m) => m.connectionState === 'online' && m.appliedRevision === m.desiredRevision,
        );
      },
    );

    it(
      'a frozen database: every request still ends, with 503, within the configured timeouts',
      { timeout: 120_000 },
      async () => {
        const frozenAt = performance.now();
        await pg.freeze();
        try {
          await until('/readyz 503', readyz, (r) => r.status === 503, HANG_BOUND_MS);
          await until(
            'requests while the database is frozen',
            () => load.since(frozenAt).filter((s) => s.path !== '/readyz' && s.status === 503).length,
            (n) => n >= 12,
          );
        } finally {
          await pg.thaw();
        }
        const outage = load.since(frozenAt);
        await until('/readyz 200', readyz, (r) => r.status === 200);
        expectFailedFast(outage);

        await patchLimit(4);
        await appliedLimit(4);
      },
    );

    it('never answered 500 or hung, whatever the phase', async () => {
      await load.stop();
      const statuses: Record<string, number> = {};
      for (const s of load.samples) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
      console.log(`requests by status: ${JSON.stringify(statuses)}`);
      expect(Object.keys(statuses).sort()).toEqual(['200', '503']);
      expect(await host.stop()).toBe(0);
      await api.kill('SIGTERM');
      expect(api.child.exitCode).toBe(0);
    });
  },
);
