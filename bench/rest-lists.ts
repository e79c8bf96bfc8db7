/**
 * REST list latency with a seeded fleet: 10,000 runners and 2,000 machines in a fresh database on the local
 * Postgres, the built API (`apps/api/dist/server.js`) in a child process of its own, as deployed, and requests sent
 * at a fixed rate from this process (open loop, so a slow server cannot slow the load down and hide its latency).
 *
 *   npx pnpm --filter @paddock/bench rest-lists   (PADDOCK_BENCH_DATABASE_URL to use another server)
 *     [--runners 10000] [--machines 2000] [--rate 200] [--seconds 15] [--no-write] [--profile]
 *
 * Requests carry an admin's write API token, made in the benchmark database. `--no-write` prints the figures
 * without touching RESULTS.md (for a quick check with small sizes). `--profile` runs the API under node's CPU profiler
 * and names the .cpuprofile it wrote (open it in Chrome DevTools).
 *
 * Target (issue "Scale, faults and operations"): GET /api/v1/runners pages of 100 at 200 req/s, p95 < 50 ms.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase } from '../apps/api/src/db/client.js';
import { applyMigrations } from '../apps/api/src/db/migrations.js';
import { createSecretBox } from '../apps/api/src/lib/secrets.js';
import { createBenchAdmin } from './lib/auth.js';
import { startBuiltApi } from './lib/built-api.js';
import { cpuMs, cpuMsOf, postgresPids, selfCpuMs } from './lib/proc.js';
import { seedFleet } from './lib/seed.js';
import { machineDescription, ms, summarize, writeSection, type LatencySummary } from './lib/stats.js';

function parseArgs(argv: string[]) {
  const opts = { runners: 10_000, machines: 2_000, rate: 200, seconds: 15, write: true, profile: false };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const number = () => {
      const v = Number(args[++i]?.replace(/_/g, ''));
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--runners') opts.runners = number();
    else if (a === '--machines') opts.machines = number();
    else if (a === '--rate') opts.rate = number();
    else if (a === '--seconds') opts.seconds = number();
    else if (a === '--no-write') opts.write = false;
    else if (a === '--profile') opts.profile = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}
const {
  runners: RUNNERS,
  machines: MACHINES,
  rate: RATE,
  seconds: SECONDS,
  write,
  profile,
} = parseArgs(process.argv.slice(2));

const adminUrl = process.env.PADDOCK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// Node's http client with keep-alive costs the load generator about half of what `fetch` does per request, and the
// load generator shares the two cores with what it measures.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** GETs a URL and reads the whole answer; resolves with the status code. */
function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Sends `rate` requests per second for `seconds`, each to the URL `next()` gives; returns latencies. */
async function openLoop(
  next: () => string,
  headers: Record<string, string>,
  rate: number,
  seconds: number,
): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const total = rate * seconds;
  const startedAt = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = startedAt + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const url = next();
    const t0 = performance.now();
    inFlight.push(
      get(url, headers)
        .then((status) => {
          if (status !== 200) errors++;
          latencies.push(performance.now() - t0);
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(inFlight);
  return { latencies, errors };
}

async function main() {
  const name = `paddock_bench_${Date.now()}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ connectionString: url.toString(), maxConnections: 20 });
  try {
    console.log('migrating and seeding...');
    await applyMigrations({ connectionString: url.toString() });
    const key = randomBytes(32);
    const secrets = createSecretBox(key);
    const t0 = performance.now();
    await seedFleet(db, secrets, { runners: RUNNERS, machines: MACHINES });
    // As autovacuum leaves tables that have settled: statistics, and a visibility map for index-only scans.
    await db.pool.query('VACUUM ANALYZE');
    console.log(`seeded ${RUNNERS} runners and ${MACHINES} machines in ${ms(performance.now() - t0)}`);
    const headers = { authorization: await createBenchAdmin(db.prisma) };

    const profileDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-rest-lists-profile-'));
    const api = await startBuiltApi({
      databaseUrl: url.toString(),
      secretKeyHex: key.toString('hex'),
      logFile: path.join(mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-')), 'api.log'),
      ...(profile && { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }),
    });
    const base = api.url;

    // Cursors of every page, so requests spread over the whole list as a user paging through it would.
    async function cursors(pathAndQuery: string): Promise<string[]> {
      const out = [''];
      for (;;) {
        const res = await fetch(`${base}${pathAndQuery}${out.at(-1)}`, { headers });
        if (res.status !== 200)
          throw new Error(`${pathAndQuery} answered ${res.status}: ${await res.text()}`);
        const page = (await res.json()) as { nextCursor: string | null };
        if (!page.nextCursor) return out;
        out.push(`&cursor=${page.nextCursor}`);
      }
    }
    const scenarios: Array<{ label: string; path: string }> = [
      { label: 'GET /api/v1/runners?limit=100 (all pages)', path: '/api/v1/runners?limit=100' },
      { label: 'GET /api/v1/runners?limit=100&tag=docker', path: '/api/v1/runners?limit=100&tag=docker' },
      { label: 'GET /api/v1/machines?limit=100 (all pages)', path: '/api/v1/machines?limit=100' },
      {
        label: 'GET /api/v1/machines?limit=100&status=online&label=region=eu',
        path: '/api/v1/machines?limit=100&status=online&label=region=eu',
      },
    ];
    const rows: Array<{ label: string; s: LatencySummary; errors: number }> = [];
    for (const sc of scenarios) {
      const list = await cursors(sc.path);
      let i = 0;
      await openLoop(() => `${base}${sc.path}${list[i++ % list.length]}`, headers, 50, 2); // warm-up
      const { latencies, errors } = await openLoop(
        () => `${base}${sc.path}${list[i++ % list.length]}`,
        headers,
        RATE,
        SECONDS,
      );
      const s = summarize(latencies);
      rows.push({ label: sc.label, s, errors });
      console.log(
        `${sc.label}: p50 ${ms(s.p50)} p95 ${ms(s.p95)} p99 ${ms(s.p99)} max ${ms(s.max)} errors ${errors}`,
      );
    }
    // Capacity: as many requests as 8 concurrent clients can push through, for comparison with the target rate.
    const runnerPages = await cursors(scenarios[0]!.path);
    let done = 0;
    let k = 0;
    // Backends come and go with the pool: each counts from its CPU time before the run, or from 0 if it is new.
    const pgBefore = new Map(postgresPids(name).map((pid) => [pid, cpuMs(pid)]));
    const pgSpent = () =>
      postgresPids(name).reduce((sum, pid) => sum + cpuMsOf([pid]) - (pgBefore.get(pid) ?? 0), 0);
    const cpuBefore = { api: cpuMs(api.pid), bench: selfCpuMs() };
    const until = performance.now() + 5000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await get(`${base}${scenarios[0]!.path}${runnerPages[k++ % runnerPages.length]}`, headers);
          done++;
        }
      }),
    );
    const capacity = done / 5;
    // CPU per request over the capacity run: what each page costs the API, Postgres and the load generator.
    const perRequest = {
      api: (cpuMs(api.pid) - cpuBefore.api) / done,
      pg: pgSpent() / done,
      bench: (selfCpuMs() - cpuBefore.bench) / done,
    };
    const cpuLine = `CPU per runner page: API ${perRequest.api.toFixed(2)} ms, Postgres ${perRequest.pg.toFixed(2)} ms, load generator ${perRequest.bench.toFixed(2)} ms`;
    console.log(`capacity: ${capacity.toFixed(0)} runner pages/s with 8 concurrent clients; ${cpuLine}`);
    await api.stop();
    if (profile) {
      const written = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      console.log(`CPU profile of the API: ${written.map((f) => path.join(profileDir, f)).join(', ')}`);
    }

    const target = rows[0]!.s.p95 < 50;
    const args = process.argv.slice(2).filter((x) => x !== '--');
    const command = `npx pnpm --filter @paddock/bench rest-lists${args.length ? ` -- ${args.join(' ')}` : ''}`;
    if (!write) {
      console.log(`target p95 < 50 ms ${target ? 'met' : 'not met'}; RESULTS.md left as it was (--no-write)`);
      return;
    }
    writeSection(
      'rest-lists',
      `## REST lists with ${RUNNERS.toLocaleString('en-US')} runners and ${MACHINES.toLocaleString('en-US')} machines

Command: \`${command}\` · ${new Date().toISOString()} · ${machineDescription()}

Postgres on 127.0.0.1 (the seeded tables vacuumed and analysed, as autovacuum leaves them), the built API in a child process, the load generator in the benchmark's process, ${RATE} requests/s for ${SECONDS} s per row
(open loop), pages of 100 spread over every cursor of the list.

| request | requests | p50 | p95 | p99 | max | errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.map((r) => `| ${r.label} | ${r.s.count} | ${ms(r.s.p50)} | ${ms(r.s.p95)} | ${ms(r.s.p99)} | ${ms(r.s.max)} | ${r.errors} |`).join('\n')}

Capacity (closed loop, 8 concurrent clients, runner pages of 100): ${capacity.toFixed(0)} requests/s. ${cpuLine} (CPU time over the capacity run divided by its requests; the machine has two cores for all three).

Target: runners pages of 100 at 200 req/s with p95 < 50 ms — **${target ? 'met' : 'not met'}** (p95 ${ms(rows[0]!.s.p95)}).
${target ? '' : 'Where the rate exceeds the capacity, requests queue and the percentiles measure the queue. The load generator shares the two cores with the API and Postgres.'}`,
    );
    console.log('written to bench/RESULTS.md');
  } finally {
    await db.close();
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
