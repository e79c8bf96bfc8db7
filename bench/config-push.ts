/**
 * Config push to a fleet: how long a token-limit change (`PATCH /api/v1/runners/:id/token`) takes to reach N
 * agents and come back as `applied`, and what the API process costs while N agents are connected.
 *
 *   npx pnpm --filter @paddock/bench config-push -- --agents 100,1000,10000
 *     [--pushes 3] [--instant-pushes 1] [--workers auto] [--writes 200] [--no-profile] [--quiet-wait 30]
 *     [--connect-concurrency 50] [--from-json FILE] [--no-write]   (PADDOCK_BENCH_DATABASE_URL for another server)
 *
 * For each N: a fresh database on the local Postgres with N machines, their agent credentials and one docker
 * runner assigned to all of them (inserted directly: enrollment is not what is measured); the real API in a
 * child process (lib/config-push-api.ts), so that its RSS and CPU time are its own; N real agents (connection,
 * session, config store, drift watcher, real websockets) in one or more worker processes
 * (lib/config-push-agents.ts), each agent with its own directory on tmpfs (/dev/shm). Once all are connected and
 * idle: the API's RSS; then one warm-up push (the agents' first config.toml), `--pushes` measured pushes, each a
 * new `limit`, `--instant-pushes` where the agents answer without writing (the API and transport alone), and one
 * push under the CPU profiler. Separately: the agent's atomic write of the same config.toml on the real disk.
 * Raw results go to $TMPDIR/paddock-config-push-results.json; `--from-json` rewrites the section from such a file;
 * `--no-write` leaves both that file and RESULTS.md alone (a quick check with small sizes). The PATCH carries an
 * admin's write API token, made in the benchmark database with the fleet.
 *
 * Targets (issue 4, point 11): 1,000 agents p99 < 150 ms and all done < 250 ms; 10,000 agents p99 < 1 s;
 * 10,000 idle agents under 512 MiB API RSS.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
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
import { createDatabase } from '../apps/api/src/db/client.js';
import { applyMigrations } from '../apps/api/src/db/migrations.js';
import { createSecretBox } from '../apps/api/src/lib/secrets.js';
import { generateToken, hashToken } from '../apps/api/src/lib/tokens.js';
import type { DesiredModel } from '../apps/api/src/modules/revisions/desired-model.js';
import { renderConfigToml } from '../apps/api/src/modules/revisions/render.js';
import { createBenchAdmin } from './lib/auth.js';
import type { ApiReply, ApiRequest, ApiStats } from './lib/config-push-api.js';
import type { AgentSpec, ApplyRecord, WorkerReply, WorkerRequest } from './lib/config-push-agents.js';
import { summarizeProfile, type CpuProfile } from './lib/cpuprofile.js';
import {
  medianPush,
  report,
  type Cpu,
  type DiskResult,
  type FleetResult,
  type PushResult,
} from './lib/config-push-report.js';
import { mergeLogs, type LogCounts } from './lib/log-counts.js';
import {
  cpuMs,
  cpuMsOf,
  machineBusyMs,
  mib,
  peakRssBytes,
  postgresPids,
  resetPeakRss,
  rssBytes,
  selfCpuMs,
} from './lib/proc.js';
import { machineDescription, ms, summarize, writeSection } from './lib/stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const adminUrl = process.env.PADDOCK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HEARTBEAT_MS = 300_000; // the largest the API accepts: no ping, pong or status during a run
const TMPFS_MAGIC = 0x01021994;

// ---------------------------------------------------------------------------------------------------------------
// command line

function parseArgs(argv: string[]) {
  const opts = {
    agents: [100, 1000, 10_000],
    pushes: 3,
    instantPushes: 1,
    quietWaitS: 30,
    workers: 0,
    writes: 200,
    profile: true,
    connectConcurrency: 50,
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
    else if (a === '--workers') opts.workers = value() === 'auto' ? 0 : Number(value());
    else if (a === '--writes') opts.writes = Number(value());
    else if (a === '--connect-concurrency') opts.connectConcurrency = Number(value());
    else if (a === '--no-profile') opts.profile = false;
    else if (a === '--from-json') opts.fromJson = value();
    else if (a === '--no-write') opts.write = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.agents.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--agents: positive integers');
  if (!(opts.pushes >= 1)) throw new Error('--pushes: at least 1');
  return opts;
}
type Options = ReturnType<typeof parseArgs>;

// ---------------------------------------------------------------------------------------------------------------
// helpers

const now = () => performance.timeOrigin + performance.now();
const sleep = (msecs: number) => new Promise((r) => setTimeout(r, msecs));
/**
 * Other people's processes share this machine (test suites, dev servers). Before a measurement, wait up to
 * `maxMs` for them to use less than a tenth of a core; returns what they used in the last half second (cores).
 */
async function waitQuiet(sample: () => CpuSample, maxMs = 20_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const a = sample();
    await sleep(500);
    const other = cpuSince(a, sample()).other / 500;
    if (other < 0.1 || performance.now() - t0 > maxMs) return other;
  }
}

const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Forks a TypeScript module under tsx, with the workspace's source condition, and an IPC channel. */
function forkTs(file: string, env: Record<string, string>, extraArgs: string[] = []): ChildProcess {
  return fork(path.join(here, file), [], {
    execArgv: ['--conditions=@paddock/source', '--import', import.meta.resolve('tsx'), ...extraArgs],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
}

/** Waits for the next message of `type` from a child (or its exit, which is an error). */
function nextMessage<T extends { type: string }, K extends T['type']>(
  child: ChildProcess,
  type: K,
  timeoutMs = 15 * 60_000,
  onOther?: (m: T) => void,
): Promise<Extract<T, { type: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no ${type} from child ${child.pid} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (m: T) => {
      if (m.type === type) done(null, m as Extract<T, { type: K }>);
      else onOther?.(m);
    };
    const onExit = (code: number | null) =>
      done(new Error(`child ${child.pid} exited (${code}) before ${type}`));
    function done(err: Error | null, m?: Extract<T, { type: K }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

class ApiProcess {
  private seq = 0;
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(databaseUrl: string, key: Buffer): Promise<ApiProcess> {
    const child = forkTs(
      'lib/config-push-api.ts',
      {
        BENCH_DATABASE_URL: databaseUrl,
        BENCH_SECRET_KEY: key.toString('hex'),
        PADDOCK_AGENT_HEARTBEAT_MS: String(HEARTBEAT_MS),
      },
      ['--expose-gc'],
    );
    const ready = await nextMessage<ApiReply, 'ready'>(child, 'ready', 120_000);
    return new ApiProcess(child, ready.url);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async call(req: Omit<ApiRequest, 'id'> & { file?: string }): Promise<ApiStats | undefined> {
    const id = ++this.seq;
    const answer = new Promise<Extract<ApiReply, { type: 'reply' }>>((resolve, reject) => {
      const onMessage = (m: ApiReply) => {
        if (m.type === 'reply' && m.id === id) {
          this.child.off('message', onMessage);
          if (m.error) reject(new Error(`API process: ${m.error}`));
          else resolve(m);
        }
      };
      this.child.on('message', onMessage);
    });
    this.child.send({ ...req, id } as ApiRequest);
    return (await answer).stats;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await Promise.race([this.call({ type: 'stop' }).catch(() => {}), sleep(10_000)]);
    await Promise.race([exited, sleep(5_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the fleet in the database

const RUNNER_SETTINGS = {
  docker: {
    tls_verify: false,
    image: 'alpine:3.20',
    privileged: false,
    volumes: ['/cache', '/var/run/docker.sock:/var/run/docker.sock'],
    pull_policy: ['if-not-present'],
    shm_size: 0,
  },
  feature_flags: { FF_NETWORK_PER_BUILD: true, FF_TIMESTAMPS: true },
  cache: { MaxUploadedArchiveSize: 0 },
};

async function seed(databaseUrl: string, key: Buffer, n: number) {
  const db = createDatabase({ connectionString: databaseUrl, maxConnections: 4 });
  const secrets = createSecretBox(key);
  try {
    const { prisma } = db;
    const gl = await prisma.gitlabInstance.create({
      data: {
        name: 'bench',
        url: 'https://gitlab.bench.invalid',
        accessTokenCiphertext: secrets.encrypt('glpat-bench', 'gitlab-access-token'),
        accessTokenLast4: 'ench',
      },
    });
    const runner = await prisma.runner.create({
      data: {
        gitlabInstanceId: gl.id,
        gitlabRunnerId: 4242,
        runnerType: 'instance_type',
        description: 'bench docker runner',
        tags: ['docker'],
        executor: 'docker',
        executorSettings: RUNNER_SETTINGS,
      },
    });
    await prisma.runnerToken.create({
      data: {
        runnerId: runner.id,
        ciphertext: secrets.encrypt('glrt-t1_benchbenchbenchbench1', 'runner-token'),
        last4: 'nch1',
        obtainedAt: new Date(),
        limitValue: 4,
        requestConcurrency: 2,
      },
    });
    const agents: Array<AgentSpec> = [];
    const machines = [];
    const credentials = [];
    for (let i = 0; i < n; i++) {
      const machineId = randomUUID();
      const credential = generateToken('agent');
      agents.push({ index: i, machineId, credential });
      machines.push({ id: machineId, hostname: `bench-agent-${i}`, labels: { pool: 'bench' } });
      credentials.push({ machineId, tokenHash: hashToken(credential) });
    }
    for (let i = 0; i < n; i += 5000) {
      await prisma.machine.createMany({ data: machines.slice(i, i + 5000) });
      await prisma.agentCredential.createMany({ data: credentials.slice(i, i + 5000) });
      await prisma.assignment.createMany({
        data: machines.slice(i, i + 5000).map((m) => ({ runnerId: runner.id, machineId: m.id })),
      });
    }
    const authorization = await createBenchAdmin(prisma);
    await db.pool.query('ANALYZE');
    return { runnerId: runner.id, agents, authorization };
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// one fleet size

/** CPU time so far of each party; Postgres per pid, since backends come and go. */
interface CpuSample {
  api: number;
  postgres: Map<number, number>;
  agents: number;
  self: number;
  machine: number;
}

function cpuNow(apiPid: number, agentPids: number[], database: string): CpuSample {
  return {
    api: cpuMs(apiPid),
    postgres: new Map(postgresPids(database).map((pid) => [pid, cpuMs(pid)])),
    agents: cpuMsOf(agentPids),
    self: selfCpuMs(),
    machine: machineBusyMs(),
  };
}

/** A backend started in between counts whole; one that exited in between is lost (an undercount). */
function cpuSince(a: CpuSample, b: CpuSample): Cpu {
  let postgres = 0;
  for (const [pid, v] of b.postgres) if (!Number.isNaN(v)) postgres += v - (a.postgres.get(pid) ?? 0);
  const api = b.api - a.api;
  const agents = b.agents - a.agents;
  const machine = b.machine - a.machine;
  return { api, postgres, agents, machine, other: machine - api - postgres - agents - (b.self - a.self) };
}

async function runFleet(n: number, opts: Options, cleanup: Array<() => Promise<void>>): Promise<FleetResult> {
  const name = `paddock_bench_push_${n}_${Date.now()}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  cleanup.push(() =>
    withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  );
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await applyMigrations({ connectionString: databaseUrl });
  const key = randomBytes(32);
  const t0 = performance.now();
  const { runnerId, agents, authorization } = await seed(databaseUrl, key, n);
  log(`N=${n}: database ${name} seeded with ${n} machines in ${ms(performance.now() - t0)}`);

  const root = mkdtempSync(path.join('/dev/shm', `paddock-config-push-${n}-`));
  if (statfsSync(root).type !== TMPFS_MAGIC) log(`warning: ${root} is not on tmpfs`);
  cleanup.push(async () => rmSync(root, { recursive: true, force: true }));

  const api = await ApiProcess.start(databaseUrl, key);
  cleanup.push(() => api.stop());
  await sleep(1000);
  await api.call({ type: 'gc' });
  const rssBase = rssBytes(api.pid);
  log(`N=${n}: API up at ${api.url} (pid ${api.pid}), RSS ${mib(rssBase)} with no agent`);

  const workerCount = opts.workers || Math.max(1, Math.ceil(n / 5000));
  const workers = Array.from({ length: workerCount }, () => forkTs('lib/config-push-agents.ts', {}));
  cleanup.push(async () => {
    await Promise.all(
      workers.map(async (w) => {
        if (w.exitCode !== null) return;
        w.send({ type: 'stop' } satisfies WorkerRequest);
        await Promise.race([new Promise((r) => w.once('exit', r)), sleep(10_000)]);
        if (w.exitCode === null) w.kill('SIGKILL');
      }),
    );
  });
  const workerPids = workers.map((w) => w.pid!);

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
          server: api.url,
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
  for (let i = 0; i < 60; i++) {
    const c0 = cpuMs(api.pid);
    await sleep(500);
    if (cpuMs(api.pid) - c0 <= 20) break;
  }
  const idleAfterMs = performance.now() - tIdle;
  const rssIdle = rssBytes(api.pid);
  const idleStats = (await api.call({ type: 'gc' }))!;
  const rssIdleAfterGc = rssBytes(api.pid);
  const rssConnectPeak = peakRssBytes(api.pid);
  const idleMemory = idleStats.memory;
  log(
    `N=${n}: idle after ${ms(idleAfterMs)}; API RSS ${mib(rssIdle)} with ${idleStats.sessions} sessions ` +
      `(heap ${mib(idleStats.memory.heapUsed)} after GC)`,
  );

  const machineOf = agents.map((a) => a.machineId);
  let limit = 4;
  /** `profile`: CPU-profile the API from the PATCH to its response, then from there to the end, into two files */
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
    await api.call({ type: 'reset' });
    resetPeakRss(api.pid);
    let peakSampled = rssBytes(api.pid);
    const sampler = setInterval(() => (peakSampled = Math.max(peakSampled, rssBytes(api.pid))), 20);
    const others = await waitQuiet(() => cpuNow(api.pid, workerPids, name), opts.quietWaitS * 1000);
    if (others >= 0.1) log(`N=${n}: other processes keep using ${others.toFixed(2)} cores; measuring anyway`);
    const cpu0 = cpuNow(api.pid, workerPids, name);
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
      await api.call({ type: 'profile-start' });
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
    if (profile) await api.call({ type: 'profile-stop', file: profile.rest });
    const cpu = cpuSince(cpu0, cpuNow(api.pid, workerPids, name));
    clearInterval(sampler);
    const apiPeakRss = Math.max(peakSampled, peakRssBytes(api.pid));
    const apiStats = (await api.call({ type: 'stats' }))!;

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
      apiPeakRss,
      api: apiStats,
    };
    log(
      `N=${n} ${label}: PATCH answered in ${ms(responseMs)}; applied p50 ${ms(result.applied.p50)} ` +
        `p99 ${ms(result.applied.p99)} max ${ms(result.applied.max)}` +
        (result.missing ? `; ${result.missing} never recorded (${unanswered} agents never answered)` : '') +
        `; API CPU ${ms(cpu.api)}, peak RSS ${mib(apiPeakRss)}`,
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
    profile = { patch: read(files.patch), rest: read(files.rest), push: p };
    log(`N=${n}: CPU profiles of one push written to ${files.patch} and ${files.rest}`);
  }
  const afterStats = (await api.call({ type: 'gc' }))!;
  const rssAfter = rssBytes(api.pid);
  const memoryAfter = afterStats.memory;

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
    agentLogs,
    disconnects,
  };
}

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

/** The checked-out commit, and whether the API or the agent differ from it (read-only git commands). */
function commitOfCheckout(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: here, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', '../apps/api', '../apps/agent', '../packages');
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (with uncommitted changes in apps/ or packages/)' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** Where each run leaves its raw results, so the section can be rewritten without measuring again. */
const RESULTS_JSON = path.join(os.tmpdir(), 'paddock-config-push-results.json');

interface SavedRun {
  results: FleetResult[];
  disk: DiskResult;
  run: Parameters<typeof report>[2];
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.fromJson) {
    // JSON has no NaN: summaries of pushes whose answers were all lost come back as null.
    const saved = JSON.parse(readFileSync(opts.fromJson, 'utf8'), (k, v: unknown) =>
      v === null && k !== 'profile' ? Number.NaN : v,
    ) as SavedRun;
    writeSection('config-push', report(saved.results, saved.disk, saved.run));
    log(`section rewritten from ${opts.fromJson}`);
    return;
  }
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const command = `npx pnpm --filter @paddock/bench config-push -- ${args.join(' ')}`.trim();
  log(
    `file descriptors: soft limit ${readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)?.[1]}`,
  );
  log(`atomic writes on the real disk (${opts.writes})...`);
  const disk = await diskWrites(opts.writes);
  log(
    `atomic write p50 ${ms(disk.atomic.p50)} p99 ${ms(disk.atomic.p99)}; whole apply p50 ${ms(disk.apply.p50)} p99 ${ms(disk.apply.p99)}`,
  );

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
  const run = {
    command,
    date: new Date().toISOString(),
    machine: machineDescription(),
    commit: commitOfCheckout(),
    pushes: opts.pushes,
    instantPushes: opts.instantPushes,
    quietWaitS: opts.quietWaitS,
    heartbeatMs: HEARTBEAT_MS,
    loader: loaderOverhead(),
  };
  if (opts.write) {
    writeFileSync(RESULTS_JSON, JSON.stringify({ results, disk, run } satisfies SavedRun));
    writeSection('config-push', report(results, disk, run));
    log(`written to bench/RESULTS.md (raw results: ${RESULTS_JSON}, rewrite with --from-json)`);
  } else log('RESULTS.md and the raw results file left as they were (--no-write)');
  console.log(
    results
      .filter((r) => !r.error)
      .map((r) => {
        const p = medianPush(r)!;
        return `N=${r.n}: p50 ${ms(p.applied.p50)} p99 ${ms(p.applied.p99)} all done ${ms(p.allDoneMs)}, idle RSS ${mib(r.rssIdle)}`;
      })
      .join('\n'),
  );
  process.exit(results.some((r) => r.error) ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
