/**
 * The docker-compose deployment with real processes, since Docker cannot run in tests: two API replicas on one
 * Postgres behind a load balancer (support/load-balancer.ts, standing in for deploy/lb/nginx.conf), three real
 * paddock-agent processes and a browser's `/live` socket, all connected through the balancer.
 *
 * The fault: one replica killed with SIGKILL. Its agents and the `/live` socket reconnect through the balancer to
 * the other replica, a change made right after the kill reaches every machine, and no revision is lost: every
 * machine ends on its newest revision, applied.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LiveServerMessage } from '@paddock/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDatabase, type Database } from '../src/db/client.js';
import { createSecretBox } from '../src/lib/secrets.js';
import { hashToken } from '../src/lib/tokens.js';
import { apiTokenFor, TEST_PASSWORD } from './support/auth.js';
import { factories } from './support/factories.js';
import { startLoadBalancer, type LoadBalancer } from './support/load-balancer.js';
import { startServer, TEST_ADMIN_EMAIL, type ServerProcess } from './support/server-process.js';
import { createTestDatabase } from './support/test-db.js';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const agentMain = path.resolve(apiDir, '../agent/src/main.ts');
// tsx loaded inside the agent's own process, so a signal reaches the agent itself.
const tsxLoader = pathToFileURL(createRequire(path.join(apiDir, 'package.json')).resolve('tsx/esm')).href;

const KEY = Buffer.alloc(32, 42);
const TOKEN = 'glrt-t1_BalancedToken00000001';
const HOSTS = ['r_balancedAAA1', 'r_balancedBBB2', 'r_balancedCCC3'];
/** two API processes compiling their sources at once, on a machine that may be running other tests */
const START_TIMEOUT_MS = 120_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function until<T>(
  what: string,
  fn: () => Promise<T> | T,
  ok: (v: T) => boolean,
  ms = 45_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type AgentProcess = ChildProcess & { output: () => string; exited: Promise<number | null> };

function runAgent(args: string[]): AgentProcess {
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
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return Object.assign(child, { output: () => out, exited });
}

interface Host {
  systemId: string;
  config: string;
  machineId: string;
  agent: AgentProcess;
}

/**
 * A browser tab's `/live` connection, reduced to what matters here: signed in with a session cookie, sent from
 * Paddock's own origin, and reconnecting after a drop (like the web app, after a short random delay) with its
 * subscriptions renewed. The server answers each `machine:<id>` subscription with the machine's current state,
 * so a reconnected tab catches up on what it missed while away.
 */
interface LiveTab {
  /** connections that reached `ready` */
  readonly connections: number;
  /** the latest state of each machine received on the current connection */
  readonly machines: Map<string, { desiredRevision: number; appliedRevision: number | null }>;
  watch(machineId: string): void;
  close(): void;
}

function openLiveTab(baseUrl: string, cookie: string): LiveTab {
  let connections = 0;
  let machines = new Map<string, { desiredRevision: number; appliedRevision: number | null }>();
  const topics = new Set<string>();
  let stopped = false;
  let socket: WebSocket | null = null;
  let ready = false;
  const subscribe = (topic: string) => socket?.send(JSON.stringify({ type: 'subscribe', topic }));
  const connect = () => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/live`, {
      headers: { cookie, origin: baseUrl },
    });
    socket = ws;
    ready = false;
    ws.on('message', (data: Buffer) => {
      const parsed = LiveServerMessage.safeParse(JSON.parse(data.toString('utf8')));
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === 'ready') {
        connections++;
        ready = true;
        machines = new Map();
        for (const topic of topics) subscribe(topic);
      } else if (message.type === 'machine') {
        machines.set(message.machine.id, {
          desiredRevision: message.machine.desiredRevision,
          appliedRevision: message.machine.appliedRevision,
        });
      }
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      ready = false;
      if (!stopped) setTimeout(connect, 100 + Math.floor(Math.random() * 400));
    });
  };
  connect();
  return {
    get connections() {
      return connections;
    },
    get machines() {
      return machines;
    },
    watch(machineId) {
      const topic = `machine:${machineId}`;
      topics.add(topic);
      if (ready) subscribe(topic);
    },
    close() {
      stopped = true;
      socket?.close();
    },
  };
}

let db: Database;
let replicas: ServerProcess[];
let lb: LoadBalancer;
let bearer: string;
let runnerId: string;
const hosts: Host[] = [];
let tab: LiveTab;

async function viaBalancer(method: string, url: string, body?: unknown) {
  const res = await fetch(`${lb.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
}

async function signIn(headers: Record<string, string> = {}) {
  const res = await fetch(`${lb.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email: TEST_ADMIN_EMAIL, password: TEST_PASSWORD }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

const fileText = (host: Host) => {
  try {
    return readFileSync(host.config, 'utf8');
  } catch {
    return '';
  }
};
const agentTunnels = (backend?: number) =>
  lb.tunnels().filter((t) => t.path === '/agent' && (backend === undefined || t.backend === backend));

/** Every machine on its newest revision, applied, with nothing pending or failed. */
async function revisionsSettled() {
  const machines = await db.prisma.machine.findMany({
    where: { id: { in: hosts.map((h) => h.machineId) } },
    select: { id: true, desiredRevision: true, appliedRevision: true },
  });
  const newest = await db.prisma.configRevision.groupBy({
    by: ['machineId'],
    where: { machineId: { in: hosts.map((h) => h.machineId) } },
    _max: { number: true },
  });
  const unsettled = await db.prisma.configRevision.count({
    where: { machineId: { in: hosts.map((h) => h.machineId) }, status: { in: ['pending', 'failed'] } },
  });
  return { machines, newest, unsettled };
}

beforeAll(async () => {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  db = createDatabase({ connectionString: database.url, maxConnections: 3 });
  cleanups.push(() => db.close());
  const env = {
    DATABASE_URL: database.url,
    PADDOCK_SECRET_KEY: KEY.toString('base64'),
    PADDOCK_AGENT_HEARTBEAT_MS: '1000',
    // One proxy in front, as in docker-compose.yml.
    PADDOCK_TRUST_PROXY: '1',
  };
  replicas = await Promise.all(
    ['a', 'b'].map((name) =>
      startServer({ ...env, PADDOCK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), `paddock-lb-${name}-`)) }),
    ),
  );
  for (const r of replicas)
    cleanups.push(() => (r.child.exitCode === null ? r.stop('SIGKILL') : Promise.resolve()));
  lb = await startLoadBalancer({ backends: replicas.map((r) => r.url), failTimeoutMs: 60_000 });
  cleanups.push(() => lb.close());
  bearer = await apiTokenFor(lb.url, TEST_ADMIN_EMAIL, TEST_PASSWORD);

  const f = factories(db, createSecretBox(KEY));
  const gl = await f.gitlabInstance({ url: 'https://gitlab.balanced.example.com' });
  runnerId = (await f.runner(gl.id, { description: 'balanced' }, TOKEN)).id;
}, START_TIMEOUT_MS);

describe('two API replicas behind a load balancer', () => {
  it(
    'spreads the agents and a /live socket over both replicas; a change through it reaches every agent',
    {
      timeout: 90_000,
    },
    async () => {
      // The browser's socket first: it lands on one replica, and the agents then fill both evenly.
      tab = openLiveTab(lb.url, await signIn());
      cleanups.push(async () => tab.close());
      await until(
        'the /live socket',
        () => tab.connections,
        (n) => n === 1,
      );

      const enrolled = await Promise.all(
        HOSTS.map(async (systemId) => {
          const dir = mkdtempSync(path.join(os.tmpdir(), `paddock-lb-host-`));
          const config = path.join(dir, 'etc', 'config.toml');
          const state = path.join(dir, 'state');
          mkdirSync(path.dirname(config), { recursive: true });
          // Distinct ids: every test host shares this computer's machine-id.
          writeFileSync(path.join(path.dirname(config), '.runner_system_id'), systemId, { mode: 0o600 });
          const token = await viaBalancer('POST', '/api/v1/enrollment-tokens', { name: systemId });
          expect(token.status, JSON.stringify(token.body)).toBe(201);
          const enroll = runAgent([
            'enroll',
            '--server',
            lb.url,
            '--token',
            token.body.token as string,
            '--state-dir',
            state,
            '--config',
            config,
          ]);
          expect(await enroll.exited, enroll.output()).toBe(0);
          const machine = await db.prisma.machine.findUniqueOrThrow({ where: { systemId } });
          await db.prisma.assignment.create({ data: { runnerId, machineId: machine.id } });
          return { systemId, config, state, machineId: machine.id };
        }),
      );
      for (const h of enrolled) {
        const agent = runAgent([
          'run',
          '--config',
          h.config,
          '--state-dir',
          h.state,
          '--runner-metrics',
          'http://127.0.0.1:9/metrics',
        ]);
        hosts.push({ systemId: h.systemId, config: h.config, machineId: h.machineId, agent });
        tab.watch(h.machineId);
      }
      await until(
        'every machine online',
        () => db.prisma.machine.findMany({ where: { id: { in: hosts.map((h) => h.machineId) } } }),
        (ms) => ms.length === HOSTS.length && ms.every((m) => m.connectionState === 'online'),
      );
      expect(agentTunnels()).toHaveLength(HOSTS.length);
      for (const backend of [0, 1])
        expect(agentTunnels(backend).length, `agents on replica ${backend}`).toBeGreaterThan(0);

      const patched = await viaBalancer('PATCH', `/api/v1/runners/${runnerId}/token`, { limit: 2 });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      await until(
        'every machine applied its revision',
        revisionsSettled,
        ({ machines, unsettled }) =>
          machines.every((m) => m.desiredRevision > 0 && m.appliedRevision === m.desiredRevision) &&
          unsettled === 0,
      );
      for (const h of hosts) expect(fileText(h)).toContain('limit = 2');
    },
  );

  it(
    'a replica killed: its agents and the /live socket reconnect to the other, and nothing is lost',
    {
      timeout: 60_000,
    },
    async () => {
      const live = lb.tunnels().find((t) => t.path === '/live');
      expect(live, 'the /live socket is not open through the balancer').toBeDefined();
      const doomed = live!.backend;
      const survivor = 1 - doomed;
      expect(agentTunnels(doomed).length, 'no agent on the replica about to be killed').toBeGreaterThan(0);
      const desiredRevisions = async () =>
        new Map(
          (
            await db.prisma.machine.findMany({
              where: { id: { in: hosts.map((h) => h.machineId) } },
              select: { id: true, desiredRevision: true },
            })
          ).map((m) => [m.id, m.desiredRevision]),
        );
      const before = await desiredRevisions();

      replicas[doomed]!.child.kill('SIGKILL');
      await new Promise((r) => replicas[doomed]!.child.once('exit', r));

      // Right after the kill: the balancer may try the dead replica first and moves on to the other.
      const patched = await viaBalancer('PATCH', `/api/v1/runners/${runnerId}/token`, { limit: 4 });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      const desired = await desiredRevisions();
      for (const h of hosts)
        expect(desired.get(h.machineId), 'the PATCH made no new revision').toBeGreaterThan(
          before.get(h.machineId)!,
        );

      await until(
        'every agent on the surviving replica',
        () => agentTunnels(survivor).length,
        (n) => n === HOSTS.length,
      );
      expect(agentTunnels(doomed)).toEqual([]);

      const settled = await until(
        'every machine on its newest revision',
        revisionsSettled,
        (s) => s.machines.every((m) => m.appliedRevision === desired.get(m.id)) && s.unsettled === 0,
      );
      for (const m of settled.machines) {
        expect(m.desiredRevision, 'a revision appeared after the PATCH').toBe(desired.get(m.id));
        const newest = settled.newest.find((n) => n.machineId === m.id)?._max.number;
        expect(m.appliedRevision, `machine ${m.id} is not on its newest revision`).toBe(newest);
      }
      for (const h of hosts) expect(fileText(h)).toContain('limit = 4');

      // The browser's socket came back through the balancer too, and carries the rollout's outcome.
      await until(
        'the /live socket to reconnect',
        () => tab.connections,
        (n) => n >= 2,
      );
      expect(lb.tunnels().filter((t) => t.path === '/live')).toEqual([{ backend: survivor, path: '/live' }]);
      await until(
        'the rollout seen on the reconnected /live socket',
        () => [...tab.machines.entries()],
        (seen) =>
          hosts.every((h) => {
            const m = seen.find(([id]) => id === h.machineId)?.[1];
            return m !== undefined && m.appliedRevision === desired.get(h.machineId);
          }),
      );
      expect(lb.down()).toEqual([doomed]);
      for (const h of hosts) expect(h.agent.exitCode, h.agent.output()).toBeNull();
    },
  );

  it('takes the client address from the balancer, not from what the client claims', async () => {
    const cookie = await signIn({ 'x-forwarded-for': '203.0.113.7' });
    const token = cookie.split('=')[1]!;
    const session = await db.prisma.session.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    // One trusted hop: the address the balancer saw, never the one the client wrote into X-Forwarded-For.
    expect(session.ip).toBe('127.0.0.1');
  });
});
