/**
 * Convergence with the real programs: the API process on Postgres and real paddock-agent processes writing real
 * config.toml files. A change made while an agent is down arrives when it returns; a hand edit is drift until
 * restored; a token gitlab-runner rotated on disk is adopted, not reverted; an API killed mid-rollout converges
 * after restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GitlabJobSource, GitlabSimulator, InMemoryJobSource, RunnerSimulator } from '@paddock/gitlab-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/db/client.js';
import { createSecretBox } from '../src/lib/secrets.js';
import { factories } from './support/factories.js';
import { startServer, type ServerProcess } from './support/server-process.js';
import { createTestDatabase } from './support/test-db.js';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const agentMain = path.resolve(apiDir, '../agent/src/main.ts');
// tsx loaded inside the agent's own process: a kill reaches the agent itself, not a CLI that relays it.
const tsxLoader = pathToFileURL(createRequire(path.join(apiDir, 'package.json')).resolve('tsx/esm')).href;

const KEY = Buffer.alloc(32, 21);
const TOKEN = 'glrt-t1_ConvergeToken0000001';
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

let db: Database;
let env: Record<string, string>;
let api: ServerProcess;
let runnerId: string;

function runAgent(args: string[]): ChildProcess & { output: () => string; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, '--conditions=@paddock/source', agentMain, ...args],
    {
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PADDOCK_AGENT_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Object.assign(child, { output: () => out, exited });
}

async function until<T>(
  what: string,
  fn: () => Promise<T> | T,
  ok: (v: T) => boolean,
  ms = 30_000,
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

async function api_(method: string, url: string, body?: unknown) {
  const res = await api.fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
}

interface Host {
  dir: string;
  config: string;
  state: string;
  machineId: string;
  agent: ReturnType<typeof runAgent> | null;
}

async function enrollHost(name: string, systemId: string): Promise<Host> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `paddock-host-${name}-`));
  const config = path.join(dir, 'etc', 'config.toml');
  const state = path.join(dir, 'state');
  mkdirSync(path.dirname(config), { recursive: true });
  // Distinct ids: every test host shares this machine's machine-id, from which gitlab-runner would derive one.
  writeFileSync(path.join(path.dirname(config), '.runner_system_id'), systemId, { mode: 0o600 });
  const token = (await api_('POST', '/api/v1/enrollment-tokens', { name })).body.token as string;
  const enroll = runAgent([
    'enroll',
    '--server',
    api.url,
    '--token',
    token,
    '--state-dir',
    state,
    '--config',
    config,
  ]);
  expect(await enroll.exited, enroll.output()).toBe(0);
  const machine = await db.prisma.machine.findUniqueOrThrow({ where: { systemId } });
  return { dir, config, state, machineId: machine.id, agent: null };
}

function startAgent(host: Host) {
  host.agent = runAgent([
    'run',
    '--config',
    host.config,
    '--state-dir',
    host.state,
    '--runner-metrics',
    'http://127.0.0.1:9/metrics',
  ]);
  const agent = host.agent;
  cleanups.push(async () => {
    if (agent.exitCode === null) agent.kill('SIGKILL');
  });
}

async function stopAgent(host: Host) {
  host.agent!.kill('SIGTERM');
  expect(await host.agent!.exited).toBe(0);
  host.agent = null;
}

const machine = (id: string) => db.prisma.machine.findUniqueOrThrow({ where: { id } });
const fileText = (host: Host) => {
  try {
    return readFileSync(host.config, 'utf8');
  } catch {
    return '';
  }
};

async function converged(host: Host, ms?: number) {
  return until(
    'the machine to run its desired revision',
    () => machine(host.machineId),
    (m) => m.desiredRevision > 0 && m.appliedRevision === m.desiredRevision,
    ms,
  );
}

beforeAll(async () => {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  db = createDatabase({ connectionString: database.url, maxConnections: 3 });
  cleanups.push(() => db.close());
  env = {
    DATABASE_URL: database.url,
    PADDOCK_SECRET_KEY: KEY.toString('base64'),
    PADDOCK_AGENT_HEARTBEAT_MS: '1000',
    PADDOCK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'paddock-conv-')),
  };
  api = await startServer(env);
  cleanups.push(() => (api.child.exitCode === null ? api.stop('SIGKILL') : Promise.resolve()));
  const f = factories(db, createSecretBox(KEY));
  const gl = await f.gitlabInstance({ url: 'https://gitlab.converge.example.com' });
  runnerId = (await f.runner(gl.id, { description: 'converge' }, TOKEN)).id;
});

describe('convergence with real agents', () => {
  let host: Host;

  it('an enrolled agent applies the rendered config.toml', async () => {
    host = await enrollHost('one', 'r_convergeAAA1');
    await db.prisma.assignment.create({ data: { runnerId, machineId: host.machineId } });
    startAgent(host);
    await until(
      'online',
      () => machine(host.machineId),
      (m) => m.connectionState === 'online',
    );
    const res = await api_('PATCH', `/api/v1/runners/${runnerId}/token`, { limit: 2 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await converged(host);
    const text = fileText(host);
    expect(text).toContain('limit = 2');
    expect(text).toContain(TOKEN);
  });

  it('an agent that was down during a change gets it when it returns', async () => {
    await stopAgent(host);
    await until(
      'offline',
      () => machine(host.machineId),
      (m) => m.connectionState === 'offline',
    );
    await api_('PATCH', `/api/v1/runners/${runnerId}/token`, { limit: 3 });
    expect(fileText(host)).toContain('limit = 2');
    startAgent(host);
    await converged(host);
    expect(fileText(host)).toContain('limit = 3');
  });

  it('a hand edit is reported as drift, and restore brings the file back', async () => {
    const original = fileText(host);
    writeFileSync(host.config, original.replace(/^concurrent = \d+$/m, 'concurrent = 42'));
    const drifted = await until(
      'drift',
      () => machine(host.machineId),
      (m) => m.driftSha256 !== null,
    );
    expect(drifted.driftKeys).toEqual(['concurrent']);
    expect((await api_('POST', `/api/v1/machines/${host.machineId}/restore`)).status).toBe(200);
    await until(
      'restored file',
      () => fileText(host),
      (t) => t === original,
    );
    await until(
      'drift cleared',
      () => machine(host.machineId),
      (m) => m.driftSha256 === null,
    );
  });

  it('a token rotated by gitlab-runner on disk is adopted, not reverted', async () => {
    const rotated = 'glrt-t1_RotatedOnDisk00000002';
    writeFileSync(
      host.config,
      fileText(host)
        .replace(TOKEN, rotated)
        .replace(/token_obtained_at = .*/, 'token_obtained_at = 2026-11-23T09:00:00.123456789Z'),
    );
    await until(
      'token adopted',
      () => db.prisma.runnerToken.findUniqueOrThrow({ where: { runnerId } }),
      (t) => createSecretBox(KEY).decrypt(t.ciphertext, 'runner-token') === rotated,
    );
    await converged(host);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fileText(host)).toContain(rotated);
    expect(fileText(host)).not.toContain(TOKEN);
    expect((await machine(host.machineId)).driftSha256).toBeNull();
  });

  it('gitlab-runner (simulated) follows limit changes and drains: running jobs finish, no new ones start', async () => {
    const jobs = new InMemoryJobSource({ durationMs: 300 });
    jobs.add({ count: Infinity });
    const sim = new RunnerSimulator({
      configPath: host.config,
      jobSource: jobs,
      listenAddress: '',
      reloadIntervalMs: 100,
      checkIntervalMs: 20,
    });
    await sim.start();
    cleanups.push(() => sim.stop());
    await until(
      'jobs up to the limit',
      () => sim.state().running,
      (n) => n === 3,
    );
    expect(sim.effectiveLimits().map((l) => l.limit)).toEqual([3]);

    await api_('PATCH', `/api/v1/runners/${runnerId}/token`, { limit: 1 });
    await until(
      'the new limit loaded',
      () => sim.effectiveLimits().map((l) => l.limit),
      (l) => l[0] === 1,
    );
    await until(
      'running jobs down to the limit',
      () => sim.state().running,
      (n) => n <= 1,
    );

    await api_('POST', `/api/v1/machines/${host.machineId}/drain`);
    await until(
      'runners removed',
      () => sim.effectiveLimits().length,
      (n) => n === 0,
    );
    await until(
      'running jobs finished',
      () => sim.state().running,
      (n) => n === 0,
    );
    const handedOut = jobs.stats().handedOut;
    await new Promise((r) => setTimeout(r, 500));
    expect(jobs.stats().handedOut).toBe(handedOut);

    await api_('POST', `/api/v1/machines/${host.machineId}/resume`);
    await until(
      'jobs again after resume',
      () => jobs.stats().handedOut,
      (n) => n > handedOut,
    );
    await sim.stop();
  });

  // The agents find the restarted API after their reconnect backoff (up to 30 s, with jitter).
  it('an API killed in the middle of a rollout converges after restart', { timeout: 90_000 }, async () => {
    const second = await enrollHost('two', 'r_convergeBBB2');
    await db.prisma.assignment.create({ data: { runnerId, machineId: second.machineId } });
    startAgent(second);
    await until(
      'second online',
      () => machine(second.machineId),
      (m) => m.connectionState === 'online',
    );
    await api_('PATCH', `/api/v1/runners/${runnerId}/token`, { limit: 5 });
    const port = new URL(api.url).port;
    api.child.kill('SIGKILL');
    await new Promise((r) => api.child.once('exit', r));
    // The agents know one address: the API comes back on it.
    api = await startServer({ ...env, PORT: port });
    for (const h of [host, second]) {
      await converged(h, 75_000);
      expect(fileText(h)).toContain('limit = 5');
    }
    await stopAgent(host);
    await stopAgent(second);
  });

  it('a token gitlab-runner rotates itself against GitLab reaches Paddock and stays on disk', async () => {
    // The GitLab simulator with expiring runner tokens, connected to Paddock, and a runner registered through the
    // API onto a host of its own, whose gitlab-runner (simulated) rotates its token at 75 % of its life.
    const gitlab = new GitlabSimulator({ runnerTokenExpirationIntervalSeconds: 30 * 24 * 3600 });
    const gitlabUrl = await gitlab.listen();
    cleanups.push(() => gitlab.close());
    const instance = await factories(db, createSecretBox(KEY)).gitlabInstance({
      name: 'Rotating GitLab',
      url: gitlabUrl,
      accessTokenCiphertext: createSecretBox(KEY).encrypt(gitlab.adminToken, 'gitlab-access-token'),
    });
    const rotating = await enrollHost('rotating', 'r_rotatesItOwn');
    startAgent(rotating);
    const registered = await api_('POST', '/api/v1/runners', {
      gitlabInstanceId: instance.id,
      runnerType: 'instance_type',
      description: 'rotates its own token',
      tags: ['docker'],
      executor: { name: 'shell', settings: {} },
      machines: { ids: [rotating.machineId] },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const gitlabRunnerId = (registered.body.runner as { gitlabRunnerId: number }).gitlabRunnerId;
    const paddockRunnerId = (registered.body.runner as { id: string }).id;
    await converged(rotating);
    const firstToken = gitlab.store.runners.get(gitlabRunnerId)!.token;
    expect(fileText(rotating)).toContain(firstToken);

    let reset: (() => void) | undefined;
    const runnerSim = new RunnerSimulator({
      configPath: rotating.config,
      jobSource: new GitlabJobSource(),
      listenAddress: '',
      reloadIntervalMs: 100,
      checkIntervalMs: 50,
      // The reset is due in three weeks: the test runs it now, as the timer would then.
      runAt: (_at, task) => {
        reset = task;
        return () => (reset = undefined);
      },
    });
    await runnerSim.start();
    cleanups.push(() => runnerSim.stop());
    await until('the token reset to be scheduled', async () => reset, Boolean);
    const rotated = runnerSim.nextEvent((e) => e.type === 'token-rotated');
    reset!();
    await rotated;

    const newToken = gitlab.store.runners.get(gitlabRunnerId)!.token;
    expect(newToken).not.toBe(firstToken);
    // The agent saw a rotation, not drift; Paddock stored the new token and renders with it from now on.
    await until(
      'the rotated token adopted',
      () => db.prisma.runnerToken.findUniqueOrThrow({ where: { runnerId: paddockRunnerId } }),
      (t) => createSecretBox(KEY).decrypt(t.ciphertext, 'runner-token') === newToken,
    );
    await converged(rotating);
    expect(fileText(rotating)).toContain(newToken);
    expect(fileText(rotating)).not.toContain(firstToken);
    expect((await machine(rotating.machineId)).driftSha256).toBeNull();
    await runnerSim.stop();
    await stopAgent(rotating);
  });
});
