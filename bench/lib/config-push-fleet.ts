/**
 * What the benchmarks that drive real agents against the real API share (config-push, budget-resplit): a fresh
 * benchmark database with a seeded fleet, the API in a child process (lib/config-push-api.ts) and the agent
 * worker processes (lib/config-push-agents.ts), each talked to over its IPC channel.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDatabase } from '../../apps/api/src/db/client.js';
import { applyMigrations } from '../../apps/api/src/db/migrations.js';
import { createSecretBox } from '../../apps/api/src/lib/secrets.js';
import { generateToken, hashToken } from '../../apps/api/src/lib/tokens.js';
import { createBenchAdmin } from './auth.js';
import type { ApiReply, ApiRequest, ApiStats } from './config-push-api.js';
import type { AgentSpec, WorkerRequest } from './config-push-agents.js';
import type { Cpu } from './config-push-report.js';
import { cpuMs, cpuMsOf, machineBusyMs, postgresPids, selfCpuMs } from './proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const adminUrl =
  process.env.PADDOCK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TMPFS_MAGIC = 0x01021994;

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes on this host. */
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (msecs: number) => new Promise((r) => setTimeout(r, msecs));
export const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Creates and migrates a database named `name` on the benchmark server; its removal is pushed onto `cleanup`.
 * Returns its connection string.
 */
export async function createBenchDatabase(
  name: string,
  cleanup: Array<() => Promise<void>>,
): Promise<string> {
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  cleanup.push(() =>
    withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  );
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await applyMigrations({ connectionString: databaseUrl });
  return databaseUrl;
}

/** The checked-out commit, and whether the API or the agent differ from it (read-only git commands). */
export function commitOfCheckout(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: here, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', '../../apps/api', '../../apps/agent', '../../packages');
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (with uncommitted changes in apps/ or packages/)' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** Forks a TypeScript module of bench/lib under tsx, with the workspace's source condition, and an IPC channel. */
export function forkTs(file: string, env: Record<string, string>, extraArgs: string[] = []): ChildProcess {
  return fork(path.join(here, file), [], {
    execArgv: ['--conditions=@paddock/source', '--import', import.meta.resolve('tsx'), ...extraArgs],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
}

/** Waits for the next message of `type` from a child (or its exit, which is an error). */
export function nextMessage<T extends { type: string }, K extends T['type']>(
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

/** One API replica in a child process of its own (lib/config-push-api.ts). */
export class ApiProcess {
  private seq = 0;
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(databaseUrl: string, key: Buffer, heartbeatMs: number): Promise<ApiProcess> {
    const child = forkTs(
      'config-push-api.ts',
      {
        BENCH_DATABASE_URL: databaseUrl,
        BENCH_SECRET_KEY: key.toString('hex'),
        PADDOCK_AGENT_HEARTBEAT_MS: String(heartbeatMs),
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

/** Stops agent worker processes (lib/config-push-agents.ts): politely, then by force after 10 s. */
export async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      if (w.exitCode !== null || w.signalCode !== null) return;
      w.send({ type: 'stop' } satisfies WorkerRequest);
      await Promise.race([new Promise((r) => w.once('exit', r)), sleep(10_000)]);
      if (w.exitCode === null) w.kill('SIGKILL');
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// the fleet in the database

export const RUNNER_SETTINGS = {
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

export interface SeedOptions {
  /** the runner token's limit: per machine (default, 4) or a fleet budget */
  token?: { limitMode: 'per_machine' | 'fleet_budget'; limitValue: number };
  /**
   * Machines as a fleet that has been up a while looks: online, with the CPU count their agents will report.
   * Otherwise they start as never connected.
   */
  online?: { lastSeenAt: Date; cpuCount: number };
}

export interface SeededFleet {
  runnerId: string;
  agents: AgentSpec[];
  /** `Authorization` header value of an admin's write API token */
  authorization: string;
}

/**
 * N machines with their agent credentials and one docker runner assigned to all of them, inserted directly:
 * enrollment is not what the benchmarks measure.
 */
export async function seedFleet(
  databaseUrl: string,
  key: Buffer,
  n: number,
  opts: SeedOptions = {},
): Promise<SeededFleet> {
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
        limitMode: opts.token?.limitMode ?? 'per_machine',
        limitValue: opts.token?.limitValue ?? 4,
        requestConcurrency: 2,
      },
    });
    const agents: AgentSpec[] = [];
    const machines = [];
    const credentials = [];
    for (let i = 0; i < n; i++) {
      const machineId = randomUUID();
      const credential = generateToken('agent');
      agents.push({ index: i, machineId, credential });
      machines.push({
        id: machineId,
        hostname: `bench-agent-${i}`,
        labels: { pool: 'bench' },
        ...(opts.online && {
          connectionState: 'online' as const,
          lastSeenAt: opts.online.lastSeenAt,
          cpuCount: opts.online.cpuCount,
        }),
      });
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
// CPU of each party

/** CPU time so far of each party; Postgres per pid, since backends come and go. */
export interface CpuSample {
  api: number[];
  postgres: Map<number, number>;
  agents: number;
  self: number;
  machine: number;
}

export function cpuNow(apiPids: number[], agentPids: number[], database: string): CpuSample {
  return {
    api: apiPids.map((pid) => cpuMs(pid)),
    postgres: new Map(postgresPids(database).map((pid) => [pid, cpuMs(pid)])),
    agents: cpuMsOf(agentPids),
    self: selfCpuMs(),
    machine: machineBusyMs(),
  };
}

/** A backend started in between counts whole; one that exited in between is lost (an undercount). */
export function cpuSince(a: CpuSample, b: CpuSample): Cpu {
  let postgres = 0;
  for (const [pid, v] of b.postgres) if (!Number.isNaN(v)) postgres += v - (a.postgres.get(pid) ?? 0);
  const apiByReplica = b.api.map((v, i) => v - a.api[i]!);
  const api = apiByReplica.reduce((s, v) => s + v, 0);
  const agents = b.agents - a.agents;
  const machine = b.machine - a.machine;
  return {
    api,
    postgres,
    agents,
    machine,
    other: machine - api - postgres - agents - (b.self - a.self),
    ...(apiByReplica.length > 1 && { apiByReplica }),
  };
}

/**
 * Other people's processes share this machine (test suites, dev servers). Before a measurement, wait up to
 * `maxMs` for them to use less than a tenth of a core; returns what they used in the last half second (cores).
 */
export async function waitQuiet(sample: () => CpuSample, maxMs = 20_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const a = sample();
    await sleep(500);
    const other = cpuSince(a, sample()).other / 500;
    if (other < 0.1 || performance.now() - t0 > maxMs) return other;
  }
}

/** `uptime`'s line (how long up, load averages), or the load averages alone when it cannot be run. */
export function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')}`;
  }
}

/** The 1-minute load average at the start, at the end and the highest seen in between (sampled every 5 s). */
export interface LoadFigures {
  start: number;
  end: number;
  max: number;
}

/** Starts sampling the 1-minute load average; `stop` returns what it saw. */
export function loadSampler(): { stop: () => LoadFigures } {
  const one = () => os.loadavg()[0] ?? 0;
  const start = one();
  let max = start;
  const timer = setInterval(() => (max = Math.max(max, one())), 5000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const end = one();
      return { start, end, max: Math.max(max, end) };
    },
  };
}
