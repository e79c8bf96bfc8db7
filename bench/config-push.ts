/**
 * Config push to a fleet: how long a token-limit change (`PATCH /api/v1/runners/:id/token`) takes to reach N
 * agents and come back as `applied`, and what the API process costs while N agents are connected.
 *
 *   npx pnpm --filter @paddock/bench config-push -- --agents 100,1000,10000
 *     [--pushes 3] [--instant-pushes 3] [--workers auto] [--writes 200] [--no-profile] [--quiet-wait 30]
 *     [--connect-concurrency 50] [--replicas 1] [--from-json FILE] [--no-write]
 *     (PADDOCK_BENCH_DATABASE_URL for another server)
 *
 * For each N: a fresh database on the local Postgres with N machines, their agent credentials and one docker
 * runner assigned to all of them (inserted directly: enrollment is not what is measured); the real API in a
 * child process (lib/config-push-api.ts), so that its RSS and CPU time are its own; N real agents (connection,
 * session, config store, drift watcher, real websockets) in worker processes (lib/config-push-agents.ts;
 * `--workers auto`: one per core, or one per 5,000 agents where that is more), each agent with its own directory on tmpfs (/dev/shm). Once all are connected and
 * idle: the API's RSS; then one warm-up push (the agents' first config.toml), `--pushes` measured pushes, each a
 * new `limit`, `--instant-pushes` where the agents answer without writing (the API and transport alone), and one
 * push under the CPU profiler. Separately: the agent's atomic write of the same config.toml on the real disk.
 * Raw results go to $TMPDIR/paddock-config-push-results.json; `--from-json` rewrites the section from such a file;
 * `--no-write` leaves both that file and RESULTS.md alone (a quick check with small sizes). The PATCH carries an
 * admin's write API token, made in the benchmark database with the fleet.
 *
 * `--replicas 2` (issue 8, point 1): two API processes on the one database, each agent worker connected to one of
 * them (worker k to replica k mod 2, so the agents are split evenly), the PATCH sent to the first; latencies are
 * also given by the replica that holds the agent's socket, and each replica's RSS and CPU. It writes its own
 * section (`config-push-replicas`) and raw file ($TMPDIR/paddock-config-push-replicas-results.json) and skips the
 * disk writes, which belong to the single-replica section.
 *
 * Targets (issue 4, point 11): 1,000 agents p99 < 150 ms and all done < 250 ms; 10,000 agents p99 < 1 s;
 * 10,000 idle agents under 512 MiB API RSS.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { createConfigStore } from '../apps/agent/src/config-store/config-store.js';
import { runnerConfigComparer } from '../apps/agent/src/config-store/compare.js';
import { writeFileAtomic } from '../apps/agent/src/fs/atomic-write.js';
import { nodeFileSystem } from '../apps/agent/src/fs/file-system.js';
import { silentLogger } from '../apps/agent/src/log/logger.js';
import type { DesiredModel } from '../apps/api/src/modules/revisions/desired-model.js';
import { renderConfigToml } from '../apps/api/src/modules/revisions/render.js';
import type { ApiStats } from './lib/config-push-api.js';
import type { ApplyRecord, WorkerReply, WorkerRequest } from './lib/config-push-agents.js';
import {
  ApiProcess,
  commitOfCheckout,
  cpuNow,
  cpuSince,
  createBenchDatabase,
  forkTs,
  loadSampler,
  log,
  nextMessage,
  now,
  RUNNER_SETTINGS,
  seedFleet,
  sleep,
  stopWorkers,
  TMPFS_MAGIC,
  uptime,
  waitQuiet,
} from './lib/config-push-fleet.js';
import { summarizeProfile, type CpuProfile } from './lib/cpuprofile.js';
import {
  medianPush,
  report,
  type DiskResult,
  type FleetResult,
  type InsertAnatomy,
  type PushResult,
  type ReplicaIdle,
  type RunInfo,
} from './lib/config-push-report.js';
import { replicasReport } from './lib/config-push-replicas-report.js';
import { mergeLogs, type LogCounts } from './lib/log-counts.js';
import { cpuMs, mib, peakRssBytes, resetPeakRss, rssBytes } from './lib/proc.js';
import { machineDescription, ms, summarize, writeSection } from './lib/stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HEARTBEAT_MS = 300_000; // the largest the API accepts: no ping, pong or status during a run

// ---------------------------------------------------------------------------------------------------------------
// command line

function parseArgs(argv: string[]) {
  const opts = {
    agents: [100, 1000, 10_000],
    pushes: 3,
    instantPushes: 3,
    quietWaitS: 30,
    workers: 0,
    writes: 200,
    profile: true,
    connectConcurrency: 50,
    /** API processes on the one database; agents are split evenly across them, the PATCH goes to the first */
    replicas: 1,
    /** regenerate the section from a results file of an earlier run instead of measuring */
    fromJson: '',
    /** write RESULTS.md and the raw results file */
    write: true,
  };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--agents')
      opts.agents = value()
        .split(',')
        .map((s) => Number(s.replace(/_/g, '')));
    else if (a === '--pushes') opts.pushes = Number(value());
    else if (a === '--instant-pushes') opts.instantPushes = Number(value());
    else if (a === '--quiet-wait') opts.quietWaitS = Number(value());
    else if (a === '--workers') {
      const v = value();
      opts.workers = v === 'auto' ? 0 : Number(v);
    } else if (a === '--writes') opts.writes = Number(value());
    else if (a === '--connect-concurrency') opts.connectConcurrency = Number(value());
    else if (a === '--replicas') opts.replicas = Number(value());
    else if (a === '--no-profile') opts.profile = false;
    else if (a === '--from-json') opts.fromJson = value();
    else if (a === '--no-write') opts.write = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.agents.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--agents: positive integers');
  if (!(opts.pushes >= 1)) throw new Error('--pushes: at least 1');
  if (!Number.isInteger(opts.workers) || opts.workers < 0)
    throw new Error('--workers: auto or a positive integer');
  if (!Number.isInteger(opts.instantPushes) || opts.instantPushes < 0)
    throw new Error('--instant-pushes: 0 or more');
  if (!Number.isInteger(opts.replicas) || opts.replicas < 1) throw new Error('--replicas: 1 or more');
  return opts;
}
type Options = ReturnType<typeof parseArgs>;

// ---------------------------------------------------------------------------------------------------------------
// one fleet size

async function runFleet(n: number, opts: Options, cleanup: Array<() => Promise<void>>): Promise<FleetResult> {
  const name = `paddock_bench_push_${n}_${Date.now()}`;
  const databaseUrl = await createBenchDatabase(name, cleanup);
  const key = randomBytes(32);
  const t0 = performance.now();
  const { runnerId, agents, authorization } = await seedFleet(databaseUrl, key, n);
  log(`N=${n}: database ${name} seeded with ${n} machines in ${ms(performance.now() - t0)}`);

  const root = mkdtempSync(path.join('/dev/shm', `paddock-config-push-${n}-`));
  if (statfsSync(root).type !== TMPFS_MAGIC) log(`warning: ${root} is not on tmpfs`);
  cleanup.push(async () => rmSync(root, { recursive: true, force: true }));

  const apis: ApiProcess[] = [];
  for (let r = 0; r < opts.replicas; r++) {
    const replica = await ApiProcess.start(databaseUrl, key, HEARTBEAT_MS);
    apis.push(replica);
    cleanup.push(() => replica.stop());
  }
  // The PATCH goes to the first replica; with several, the others learn of the rollout through LISTEN/NOTIFY.
  const api = apis[0]!;
  const apiPids = apis.map((a) => a.pid);
  await sleep(1000);
  const rssBaseOf: number[] = [];
  for (const a of apis) {
    await a.call({ type: 'gc' });
    rssBaseOf.push(rssBytes(a.pid));
    log(`N=${n}: API up at ${a.url} (pid ${a.pid}), RSS ${mib(rssBytes(a.pid))} with no agent`);
  }
  const rssBase = rssBaseOf[0]!;

  // Each worker connects all its agents to one replica, so the agents are split evenly across the replicas.
  // At least one worker per core: in a fleet every agent has a host of its own, so here their work should at least
  // spread over every core there is rather than queue behind one process.
  const wanted = opts.workers || Math.max(os.availableParallelism(), Math.ceil(n / 5000));
  const workerCount = Math.ceil(wanted / opts.replicas) * opts.replicas;
  const workers = Array.from({ length: workerCount }, () => forkTs('config-push-agents.ts', {}));
  cleanup.push(() => stopWorkers(workers));
  const workerPids = workers.map((w) => w.pid!);
  const replicaOfAgent = (index: number) => (index % workerCount) % opts.replicas;

  // Connect everyone.
  const tConnect = performance.now();
  const welcomed = new Array<number>(workerCount).fill(0);
  const progress = setInterval(
    () => log(`N=${n}: ${welcomed.reduce((a, b) => a + b, 0)}/${n} agents welcomed`),
    5000,
  );
  try {
    await Promise.all(
      workers.map((w, k) => {
        const mine = agents.filter((_, i) => i % workerCount === k);
        w.send({
          type: 'start',
          server: apis[k % opts.replicas]!.url,
          root,
          agents: mine,
          concurrency: opts.connectConcurrency,
        } satisfies WorkerRequest);
        return nextMessage<WorkerReply, 'started'>(w, 'started', 10 * 60_000, (m) => {
          if (m.type === 'progress') welcomed[k] = m.welcomed;
        });
      }),
    );
  } finally {
    clearInterval(progress);
  }
  const connectMs = performance.now() - tConnect;
  log(`N=${n}: all ${n} agents welcomed in ${ms(connectMs)}`);

  // Idle: every agent's first status recorded, then the API's CPU quiet.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  cleanup.push(() => client.end().catch(() => {}));
  const tIdle = performance.now();
  for (;;) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM machines WHERE connection_state = 'online' AND last_status IS NOT NULL`,
    );
    if (rows[0]!.n >= n) break;
    if (performance.now() - tIdle > 120_000)
      throw new Error(`only ${rows[0]!.n}/${n} machines reported status`);
    await sleep(200);
  }
  const apiCpuMs = () => apiPids.reduce((s, pid) => s + cpuMs(pid), 0);
  for (let i = 0; i < 60; i++) {
    const c0 = apiCpuMs();
    await sleep(500);
    if (apiCpuMs() - c0 <= 20 * apis.length) break;
  }
  const idleAfterMs = performance.now() - tIdle;
  const replicaIdle: ReplicaIdle[] = [];
  for (const [r, a] of apis.entries()) {
    const rssIdle = rssBytes(a.pid);
    const stats = (await a.call({ type: 'gc' }))!;
    replicaIdle.push({
      pid: a.pid,
      agents: agents.filter((x) => replicaOfAgent(x.index) === r).length,
      sessions: stats.sessions,
      rssBase: rssBaseOf[r]!,
      rssIdle,
      rssIdleAfterGc: rssBytes(a.pid),
      rssConnectPeak: peakRssBytes(a.pid),
      idleMemory: stats.memory,
      rssAfter: Number.NaN,
    });
    log(
      `N=${n}: replica ${r + 1} idle after ${ms(idleAfterMs)}; RSS ${mib(rssIdle)} with ${stats.sessions} sessions ` +
        `(heap ${mib(stats.memory.heapUsed)} after GC)`,
    );
  }
  const { rssIdle, rssIdleAfterGc, rssConnectPeak, idleMemory } = replicaIdle[0]!;

  const machineOf = agents.map((a) => a.machineId);
  const replicaOfMachine = new Map(agents.map((a) => [a.machineId, replicaOfAgent(a.index)]));
  let limit = 4;
  /**
   * `profile`: CPU-profile the first replica from the PATCH to its response, then every replica from there to
   * the end, into files (`rest` for the first, with `-replica<k>` before the extension for the others)
   */
  const push = async (
    label: string,
    instant: boolean,
    profile?: { patch: string; rest: string },
  ): Promise<PushResult> => {
    await Promise.all(
      workers.map((w) => {
        w.send({ type: 'mode', instant } satisfies WorkerRequest);
        return nextMessage<WorkerReply, 'moded'>(w, 'moded');
      }),
    );
    limit = limit >= 64 ? 5 : limit + 1;
    for (const a of apis) {
      await a.call({ type: 'reset' });
      resetPeakRss(a.pid);
    }
    const peakSampled = apis.map((a) => rssBytes(a.pid));
    const sampler = setInterval(() => {
      for (const [r, a] of apis.entries()) peakSampled[r] = Math.max(peakSampled[r]!, rssBytes(a.pid));
    }, 20);
    const others = await waitQuiet(() => cpuNow(apiPids, workerPids, name), opts.quietWaitS * 1000);
    if (others >= 0.1) log(`N=${n}: other processes keep using ${others.toFixed(2)} cores; measuring anyway`);
    const cpu0 = cpuNow(apiPids, workerPids, name);
    if (profile) await api.call({ type: 'profile-start' });
    const sent = now();
    const res = await fetch(`${api.url}/api/v1/runners/${runnerId}/token`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ limit }),
    });
    const responseMs = now() - sent;
    if (profile) {
      await api.call({ type: 'profile-stop', file: profile.patch });
      for (const a of apis) await a.call({ type: 'profile-start' });
    }
    const body = (await res.json()) as { rolloutId: string; revisions: Array<{ revision: number }> };
    if (res.status !== 200 || !body.rolloutId)
      throw new Error(`PATCH answered ${res.status}: ${JSON.stringify(body)}`);
    if (body.revisions.length !== n)
      throw new Error(`the rollout has ${body.revisions.length} revisions, not ${n}`);
    const revision = body.revisions[0]!.revision;
    const timeoutMs = Math.max(30_000, n * 10);
    const awaited = await Promise.all(
      workers.map((w) => {
        w.send({ type: 'await', revision, timeoutMs } satisfies WorkerRequest);
        return nextMessage<WorkerReply, 'awaited'>(w, 'awaited', timeoutMs + 30_000);
      }),
    );
    const unanswered = awaited.reduce((s, a) => s + a.missing, 0);
    // The agents have answered; wait until the API has recorded every answer (or stops making progress).
    let recorded = 0;
    let lastProgress = performance.now();
    while (recorded < n && performance.now() - lastProgress < 5_000) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM config_revisions WHERE rollout_id = $1 AND status = 'applied'`,
        [body.rolloutId],
      );
      if (rows[0]!.n > recorded) lastProgress = performance.now();
      recorded = rows[0]!.n;
      if (recorded < n) await sleep(50);
    }
    const wallMs = now() - sent;
    if (profile) {
      for (const [r, a] of apis.entries())
        await a.call({ type: 'profile-stop', file: r ? replicaFile(profile.rest, r) : profile.rest });
    }
    const cpu = cpuSince(cpu0, cpuNow(apiPids, workerPids, name));
    clearInterval(sampler);
    const peakRss = apis.map((a, r) => Math.max(peakSampled[r]!, peakRssBytes(a.pid)));
    const stats: ApiStats[] = [];
    for (const a of apis) stats.push((await a.call({ type: 'stats' }))!);

    const { rows } = await client.query<{ machine_id: string; applied_ms: number }>(
      `SELECT machine_id, extract(epoch FROM applied_at) * 1000 AS applied_ms
         FROM config_revisions WHERE rollout_id = $1 AND applied_at IS NOT NULL`,
      [body.rolloutId],
    );
    const appliedAt = new Map(rows.map((r) => [r.machine_id, Number(r.applied_ms)]));
    const records: ApplyRecord[] = [];
    for (const w of workers) {
      w.send({ type: 'collect', revision } satisfies WorkerRequest);
      records.push(...(await nextMessage<WorkerReply, 'collected'>(w, 'collected')).records);
    }
    const applied = [...appliedAt.values()].map((t) => t - sent);
    const received = records.map((r) => r[1] - sent);
    const agentWrite = records.map((r) => r[2] - r[1]);
    const answered = records.map((r) => r[2] - sent);
    const recording = records.flatMap((r) => {
      const at = appliedAt.get(machineOf[r[0]]!);
      return at === undefined ? [] : [at - r[2]];
    });
    const result: PushResult = {
      label,
      instant,
      revision,
      responseMs,
      applied: summarize(applied),
      allDoneMs: Math.max(...applied),
      missing: n - appliedAt.size,
      unanswered,
      received: summarize(received),
      agentWrite: summarize(agentWrite),
      answered: summarize(answered),
      recording: summarize(recording),
      wallMs,
      cpu,
      apiPeakRss: peakRss[0]!,
      api: stats[0]!,
      ...(apis.length > 1 && {
        byReplica: apis.map((_, r) => ({
          applied: summarize(
            [...appliedAt].filter(([m]) => replicaOfMachine.get(m) === r).map(([, t]) => t - sent),
          ),
          received: summarize(records.filter((x) => replicaOfAgent(x[0]) === r).map((x) => x[1] - sent)),
          peakRss: peakRss[r]!,
          api: stats[r]!,
        })),
      }),
    };
    log(
      `N=${n} ${label}: PATCH answered in ${ms(responseMs)}; applied p50 ${ms(result.applied.p50)} ` +
        `p99 ${ms(result.applied.p99)} max ${ms(result.applied.max)}` +
        (result.missing ? `; ${result.missing} never recorded (${unanswered} agents never answered)` : '') +
        `; API CPU ${ms(cpu.api)}, peak RSS ${peakRss.map((b) => mib(b)).join(' / ')}`,
    );
    return result;
  };

  const warmup = await push('warm-up', false);
  const pushes: PushResult[] = [];
  for (let i = 1; i <= opts.pushes; i++) pushes.push(await push(`push ${i}`, false));
  const instantPushes: PushResult[] = [];
  for (let i = 1; i <= opts.instantPushes; i++) instantPushes.push(await push(`instant ${i}`, true));

  let profile: FleetResult['profile'] = null;
  if (opts.profile) {
    const files = {
      patch: path.join(os.tmpdir(), `paddock-config-push-${n}-patch.cpuprofile`),
      rest: path.join(os.tmpdir(), `paddock-config-push-${n}-fanout.cpuprofile`),
    };
    const p = await push('profiled', false, files);
    const read = (file: string) => ({
      ...summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, INCLUSIVE),
      file,
    });
    profile = {
      patch: read(files.patch),
      rest: read(files.rest),
      push: p,
      ...(apis.length > 1 && {
        restByReplica: apis.map((_, r) => read(r ? replicaFile(files.rest, r) : files.rest)),
      }),
    };
    log(`N=${n}: CPU profiles of one push written to ${files.patch} and ${files.rest}`);
  }
  const insert = await explainRevisionInsert(client, n);
  for (const [r, a] of apis.entries()) {
    const stats = (await a.call({ type: 'gc' }))!;
    replicaIdle[r]!.rssAfter = rssBytes(a.pid);
    replicaIdle[r]!.memoryAfter = stats.memory;
  }
  const { rssAfter, memoryAfter } = replicaIdle[0]!;

  const agentLogs: LogCounts = { warn: 0, error: 0, byMessage: {}, first: [] };
  let disconnects = 0;
  for (const w of workers) {
    w.send({ type: 'collect', revision: -1 } satisfies WorkerRequest);
    const l = await nextMessage<WorkerReply, 'log'>(w, 'log');
    mergeLogs(agentLogs, l.logs);
    disconnects += l.disconnects;
  }
  return {
    n,
    workers: workerCount,
    connectMs,
    rssBase,
    rssIdle,
    rssIdleAfterGc,
    rssConnectPeak,
    idleMemory,
    rssAfter,
    memoryAfter,
    warmup,
    pushes,
    instantPushes,
    profile,
    insert,
    agentLogs,
    disconnects,
    ...(apis.length > 1 && { replicas: replicaIdle }),
  };
}

/** The profile file of replica `r` (0-based, > 0) beside the first replica's. */
const replicaFile = (file: string, r: number) => file.replace(/\.cpuprofile$/, `-replica${r + 1}.cpuprofile`);

/** Functions whose inclusive CPU time is reported from the profile: the phases of a push in the API. */
const INCLUSIVE: Record<string, (f: { functionName: string; url: string }) => boolean> = {
  'Prisma client (query building, result mapping)': (f) => /@prisma\/client/.test(f.url),
  'pg driver (protocol, parsing)': (f) => /\/(pg|pg-protocol|pg-pool)\//.test(f.url),
  buildDesiredModel: (f) => f.functionName === 'buildDesiredModel',
  'runner-config (render)': (f) => f.url.includes('packages/runner-config/'),
  'sha256 of rendered text': (f) => f.functionName === 'sha256' && f.url.includes('revisions.service'),
  'agent frames (AgentSession.onFrame: decode, zod parse)': (f) =>
    f.functionName === 'onFrame' && f.url.includes('agent-gateway/session'),
  'ws (frames in and out)': (f) => /\/ws\/lib\//.test(f.url),
  'secret decryption': (f) => f.functionName === 'decrypt' && f.url.includes('lib/secrets'),
  'pino logging': (f) => /\/pino\//.test(f.url),
  'garbage collection': (f) => f.functionName === '(garbage collector)',
};

/**
 * The statement that dominates a rollout's transaction, alone: one revision row per machine, as `revisions.sync`
 * writes them, explained with ANALYZE in a transaction that is rolled back (nothing stays). Postgres checks each
 * row's foreign keys with a trigger call per row; EXPLAIN lists their time.
 */
async function explainRevisionInsert(client: pg.Client, n: number): Promise<InsertAnatomy | undefined> {
  await client.query('BEGIN');
  try {
    const rollout = await client.query<{ id: string }>(
      `INSERT INTO rollouts (id, reason, actor_type) VALUES (gen_random_uuid(), 'bench: explain', 'system') RETURNING id`,
    );
    const { rows } = await client.query<{ 'QUERY PLAN': Array<Record<string, unknown>> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON)
       INSERT INTO config_revisions (id, machine_id, number, rollout_id, model_hash, sha256, reason, actor_type)
       SELECT gen_random_uuid(), m.id, m.desired_revision + 1, $1::uuid,
              (SELECT model_hash FROM config_revisions LIMIT 1), repeat('0', 64), 'bench: explain', 'system'
         FROM machines m`,
      [rollout.rows[0]!.id],
    );
    const plan = rows[0]!['QUERY PLAN'][0]!;
    type Trigger = { 'Trigger Name': string; 'Constraint Name'?: string; Time: number; Calls: number };
    const triggers = (plan.Triggers as Trigger[] | undefined) ?? [];
    return {
      rows: n,
      executionMs: plan['Execution Time'] as number,
      triggers: triggers.map((t) => ({
        name: t['Constraint Name'] ?? t['Trigger Name'],
        ms: t.Time,
        calls: t.Calls,
      })),
    };
  } catch (err) {
    log(`N=${n}: explaining the revision INSERT failed: ${(err as Error).message}`);
    return undefined;
  } finally {
    await client.query('ROLLBACK');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the agent's atomic write on the real disk

function typicalConfig(limit: number): string {
  const model: DesiredModel = {
    version: 1,
    global: { concurrent: limit, checkInterval: null, listenAddress: '127.0.0.1:9252', settings: {} },
    draining: false,
    runners: [
      {
        runnerId: 'bench',
        name: 'bench docker runner',
        url: 'https://gitlab.bench.invalid',
        gitlabRunnerId: 4242,
        tokenObtainedAt: new Date().toISOString(),
        tokenExpiresAt: null,
        executor: 'docker',
        limit,
        requestConcurrency: 2,
        executorSettings: RUNNER_SETTINGS,
      },
    ],
  };
  return renderConfigToml(model, () => 'glrt-t1_benchbenchbenchbench1');
}

async function diskWrites(count: number): Promise<DiskResult> {
  let base = os.tmpdir();
  if (statfsSync(base).type === TMPFS_MAGIC) base = here;
  const dir = mkdtempSync(path.join(base, 'paddock-config-push-disk-'));
  try {
    const fsType = `0x${statfsSync(dir).type.toString(16)}`;
    const texts = [typicalConfig(4), typicalConfig(5)];
    const target = path.join(dir, 'gitlab-runner', 'config.toml');
    mkdirSync(path.dirname(target), { recursive: true });
    const atomic: number[] = [];
    for (let i = 0; i < count; i++) {
      const data = Buffer.from(texts[i % 2]!);
      const t0 = performance.now();
      await writeFileAtomic(nodeFileSystem, target, data, { mode: 0o600 });
      atomic.push(performance.now() - t0);
    }
    // A whole apply as the agent does it: read, validate, keep the previous file, write, record the state.
    const store = createConfigStore({
      configPath: target,
      stateDir: path.join(dir, 'state'),
      machineId: 'bench',
      comparer: runnerConfigComparer,
      fs: nodeFileSystem,
      logger: silentLogger,
    });
    await store.load();
    const applies: number[] = [];
    const { sha256Hex } = await import('../apps/agent/src/config-store/state.js');
    for (let i = 0; i < count; i++) {
      const config = texts[i % 2]!;
      const t0 = performance.now();
      const outcome = await store.apply({ revision: i + 1, config, sha256: sha256Hex(config) });
      applies.push(performance.now() - t0);
      if (outcome.kind !== 'applied') throw new Error(`apply ${i + 1}: ${JSON.stringify(outcome)}`);
    }
    return {
      count,
      dir: base,
      fsType,
      bytes: Buffer.byteLength(texts[0]!),
      atomic: summarize(atomic),
      apply: summarize(applies),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * What running the API from its TypeScript sources under tsx adds to RSS: RSS after importing app.ts under tsx
 * and after importing the compiled app.js (when apps/api/dist exists), each in a fresh process after a full GC.
 */
function loaderOverhead(): { tsx: number; compiled: number } | null {
  const compiled = path.join(here, '..', 'apps', 'api', 'dist', 'app.js');
  if (!existsSync(compiled)) return null;
  const probe = (file: string, extra: string[]) => {
    const code =
      `await import(${JSON.stringify(pathToFileURL(file).href)}); globalThis.gc(); ` +
      `await new Promise((r) => setTimeout(r, 300)); globalThis.gc(); ` +
      `console.log(/VmRSS:\\s+(\\d+)/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'))[1]);`;
    const out = execFileSync(process.execPath, [...extra, '--expose-gc', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      cwd: here,
    });
    return Number(out.trim().split('\n').at(-1)) * 1024;
  };
  try {
    return {
      tsx: probe(path.join(here, '..', 'apps', 'api', 'src', 'app.ts'), [
        '--conditions=@paddock/source',
        '--import',
        import.meta.resolve('tsx'),
      ]),
      compiled: probe(compiled, []),
    };
  } catch {
    return null;
  }
}

/** Where each run leaves its raw results, so the section can be rewritten without measuring again. */
const resultsJson = (replicas: number) =>
  path.join(os.tmpdir(), `paddock-config-push${replicas > 1 ? '-replicas' : ''}-results.json`);

interface SavedRun {
  results: FleetResult[];
  /** measured in the single-replica run only */
  disk: DiskResult | null;
  run: RunInfo;
}

/** Writes the section of the run: `config-push`, or `config-push-replicas` for a run with several replicas. */
function writeRun(saved: SavedRun): void {
  if ((saved.run.replicas ?? 1) > 1)
    writeSection('config-push-replicas', replicasReport(saved.results, saved.run));
  else if (saved.disk) writeSection('config-push', report(saved.results, saved.disk, saved.run));
  else throw new Error('a single-replica run without the disk figures');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.fromJson) {
    // JSON has no NaN: summaries of pushes whose answers were all lost come back as null.
    const saved = JSON.parse(readFileSync(opts.fromJson, 'utf8'), (k, v: unknown) =>
      v === null && k !== 'profile' && k !== 'disk' ? Number.NaN : v,
    ) as SavedRun;
    writeRun(saved);
    log(`section rewritten from ${opts.fromJson}`);
    return;
  }
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const command = `npx pnpm --filter @paddock/bench config-push -- ${args.join(' ')}`.trim();
  log(
    `file descriptors: soft limit ${readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)?.[1]}`,
  );
  const load = loadSampler();
  log(`uptime: ${uptime()}`);
  let disk: DiskResult | null = null;
  // The disk figures belong to the single-replica section; a replicas run leaves them out.
  if (opts.replicas === 1) {
    log(`atomic writes on the real disk (${opts.writes})...`);
    disk = await diskWrites(opts.writes);
    log(
      `atomic write p50 ${ms(disk.atomic.p50)} p99 ${ms(disk.atomic.p99)}; whole apply p50 ${ms(disk.apply.p50)} p99 ${ms(disk.apply.p99)}`,
    );
  }

  const results: FleetResult[] = [];
  for (const n of opts.agents) {
    const cleanup: Array<() => Promise<void>> = [];
    const stopOnSignal = () => {
      void (async () => {
        for (const step of [...cleanup].reverse()) await step().catch(() => {});
        process.exit(130);
      })();
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    try {
      results.push(await runFleet(n, opts, cleanup));
    } catch (err) {
      log(`N=${n} failed: ${err instanceof Error ? err.stack : String(err)}`);
      results.push({ n, error: err instanceof Error ? err.message : String(err) } as FleetResult);
    } finally {
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      log(`N=${n}: cleaning up`);
      for (const step of [...cleanup].reverse()) {
        await step().catch((err: unknown) => log(`cleanup step failed: ${String(err)}`));
      }
    }
  }
  log(`uptime: ${uptime()}`);
  const run: RunInfo = {
    command,
    date: new Date().toISOString(),
    machine: machineDescription(),
    commit: commitOfCheckout(),
    pushes: opts.pushes,
    instantPushes: opts.instantPushes,
    quietWaitS: opts.quietWaitS,
    heartbeatMs: HEARTBEAT_MS,
    loader: opts.replicas === 1 ? loaderOverhead() : null,
    replicas: opts.replicas,
    load: load.stop(),
  };
  if (opts.write) {
    const file = resultsJson(opts.replicas);
    const saved: SavedRun = { results, disk, run };
    writeFileSync(file, JSON.stringify(saved));
    writeRun(saved);
    log(`written to bench/RESULTS.md (raw results: ${file}, rewrite with --from-json)`);
  } else log('RESULTS.md and the raw results file left as they were (--no-write)');
  console.log(
    results
      .filter((r) => !r.error)
      .map((r) => {
        const p = medianPush(r)!;
        return `N=${r.n}: p50 ${ms(p.applied.p50)} p99 ${ms(p.applied.p99)} all done ${ms(p.allDoneMs)}, idle RSS ${(r.replicas ?? [r]).map((x) => mib(x.rssIdle)).join(' / ')}`;
      })
      .join('\n'),
  );
  process.exit(results.some((r) => r.error) ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
