/**
 * A fleet of real agents for the fault scenarios, on a database of its own:
 * - `createFleetDatabase`: a fresh database on the shared Postgres (PADDOCK_TEST_DATABASE_URL, or 127.0.0.1:5432),
 *   migrated with the real migrations, dropped by `drop()`;
 * - `seedFleet`: one runner with a token assigned to N machines, each with an agent credential, and an admin's
 *   API token (inserted directly: enrollment is not what these scenarios break);
 * - `startAgentWorkers`: the N agents, each wired as the agent's main.ts wires one (its own config store over a
 *   directory of its own, drift watcher, session and websocket), run by the config-push benchmark's worker
 *   processes (bench/lib/config-push-agents.ts), a few hundred per process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AgentSpec, WorkerReply, WorkerRequest } from '../../../bench/lib/config-push-agents.js';
import { createBenchAdmin } from '../../../bench/lib/auth.js';
import { createDatabase } from '../../../apps/api/src/db/client.js';
import { applyMigrations } from '../../../apps/api/src/db/migrations.js';
import { createSecretBox } from '../../../apps/api/src/lib/secrets.js';
import { generateToken, hashToken } from '../../../apps/api/src/lib/tokens.js';
import { repo } from './built-api.js';

const adminUrl = process.env.PADDOCK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WORKER = path.join(repo, 'bench/lib/config-push-agents.ts');
const tsx = pathToFileURL(createRequire(path.join(repo, 'bench/package.json')).resolve('tsx/esm')).href;

/** Runs `sql` on the server's maintenance database (through the API's own database module: e2e has no driver). */
async function admin(sql: string): Promise<void> {
  const db = createDatabase({ connectionString: adminUrl, maxConnections: 1 });
  try {
    await db.pool.query(sql);
  } finally {
    await db.close();
  }
}

export async function createFleetDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `paddock_fault_${label}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  try {
    await applyMigrations({ connectionString: url.toString() });
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.toString(), drop };
}

export interface SeededFleet {
  runnerId: string;
  agents: AgentSpec[];
  /** `Authorization` header of an admin's write API token */
  authorization: string;
}

export async function seedFleet(databaseUrl: string, key: Buffer, n: number): Promise<SeededFleet> {
  const db = createDatabase({ connectionString: databaseUrl, maxConnections: 2 });
  const secrets = createSecretBox(key);
  try {
    const { prisma } = db;
    const gitlab = await prisma.gitlabInstance.create({
      data: {
        name: 'faults',
        url: 'https://gitlab.faults.invalid',
        accessTokenCiphertext: secrets.encrypt('glpat-faults', 'gitlab-access-token'),
        accessTokenLast4: 'ults',
      },
    });
    const runner = await prisma.runner.create({
      data: {
        gitlabInstanceId: gitlab.id,
        gitlabRunnerId: 4242,
        runnerType: 'instance_type',
        description: 'fault scenario runner',
        tags: ['docker'],
        executor: 'docker',
        executorSettings: { docker: { image: 'alpine:3.20', privileged: false, volumes: ['/cache'] } },
      },
    });
    await prisma.runnerToken.create({
      data: {
        runnerId: runner.id,
        ciphertext: secrets.encrypt('glrt-t1_faultsfaultsfaults01', 'runner-token'),
        last4: 'ts01',
        obtainedAt: new Date(),
        limitValue: 4,
      },
    });
    const agents: AgentSpec[] = [];
    for (let i = 0; i < n; i++)
      agents.push({ index: i, machineId: randomUUID(), credential: generateToken('agent') });
    for (let i = 0; i < n; i += 5000) {
      const slice = agents.slice(i, i + 5000);
      await prisma.machine.createMany({
        data: slice.map((a) => ({
          id: a.machineId,
          hostname: `fault-agent-${a.index}`,
          labels: { pool: 'faults' },
        })),
      });
      await prisma.agentCredential.createMany({
        data: slice.map((a) => ({ machineId: a.machineId, tokenHash: hashToken(a.credential) })),
      });
      await prisma.assignment.createMany({
        data: slice.map((a) => ({ runnerId: runner.id, machineId: a.machineId })),
      });
    }
    const authorization = await createBenchAdmin(prisma, 'faults-admin@example.test');
    return { runnerId: runner.id, agents, authorization };
  } finally {
    await db.close();
  }
}

export interface AgentWorkers {
  /** the agents' directories: `<root>/agent-<index>/gitlab-runner/config.toml` */
  root: string;
  configPath(index: number): string;
  /** resolves once every worker has answered the revision (or `timeoutMs` passed); returns how many did not */
  awaitRevision(revision: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

function nextMessage<K extends WorkerReply['type']>(
  child: ChildProcess,
  type: K,
  timeoutMs: number,
): Promise<Extract<WorkerReply, { type: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${type} from agent worker ${child.pid}`)), timeoutMs);
    const onMessage = (m: WorkerReply) => {
      if (m.type === type) done(null, m as Extract<WorkerReply, { type: K }>);
    };
    const onExit = (code: number | null) => done(new Error(`agent worker exited (${code}) before ${type}`));
    function done(err: Error | null, m?: Extract<WorkerReply, { type: K }>) {
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

/** Starts the agents in `workers` processes and resolves once every one was welcomed by the API. */
export async function startAgentWorkers(opts: {
  server: string;
  root: string;
  agents: AgentSpec[];
  workers: number;
}): Promise<AgentWorkers> {
  const children = Array.from({ length: opts.workers }, () =>
    fork(WORKER, [], {
      execArgv: ['--conditions=@paddock/source', '--import', tsx],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    }),
  );
  const kill = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  };
  process.once('exit', kill);
  const workers: AgentWorkers = {
    root: opts.root,
    configPath: (index) => path.join(opts.root, `agent-${index}`, 'gitlab-runner', 'config.toml'),
    async awaitRevision(revision, timeoutMs) {
      const answers = await Promise.all(
        children.map((c) => {
          c.send({ type: 'await', revision, timeoutMs } satisfies WorkerRequest);
          return nextMessage(c, 'awaited', timeoutMs + 30_000);
        }),
      );
      return answers.reduce((sum, a) => sum + a.missing, 0);
    },
    async stop() {
      await Promise.all(
        children.map(async (c) => {
          if (c.exitCode !== null) return;
          c.send({ type: 'stop' } satisfies WorkerRequest);
          await nextMessage(c, 'stopped', 30_000).catch(() => {});
        }),
      );
      kill();
    },
  };
  try {
    await Promise.all(
      children.map((c, k) => {
        c.send({
          type: 'start',
          server: opts.server,
          root: opts.root,
          agents: opts.agents.filter((_, i) => i % opts.workers === k),
          concurrency: 50,
        } satisfies WorkerRequest);
        return nextMessage(c, 'started', 10 * 60_000);
      }),
    );
  } catch (error) {
    kill();
    throw error;
  }
  return workers;
}
