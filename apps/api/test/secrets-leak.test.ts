/**
 * Secrets never leak. One whole scenario with the real programs (the API process on Postgres, real paddock-agent
 * processes, the GitLab and gitlab-runner simulators): connect GitLab, enroll two machines, register a runner on
 * both, change its limit, rotate its token (through Paddock, then by gitlab-runner itself), roll back, drain and
 * resume, watch a job's log live, add people, and fail the ways people and GitLab do. Then the plaintext of every
 * secret that came to exist (runner tokens old and new, GitLab access tokens, passwords, session cookies and CSRF
 * tokens, API, display and enrollment tokens, agent credentials, invitation links, the encryption key) is searched
 * for in a full database dump, every log, every REST answer and every /live frame: nowhere.
 *
 * Left out, by design: the answers that exist to show a secret once (listed in `client.shownOnce()` with their
 * reasons), and the runner token in the hosts' config.toml and in the apply frames to agents.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GitlabJobSource, GitlabSimulator, RunnerSimulator } from '@paddock/gitlab-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TEST_PASSWORD } from './support/auth.js';
import { RecordingClient, type Credentials, type LiveSocket } from './support/recording-client.js';
import { describeFindings, findSecrets, findTokenShapes, type Secret } from './support/secret-scan.js';
import { startServer, TEST_ADMIN_EMAIL, type ServerProcess } from './support/server-process.js';
import { createTestDatabase } from './support/test-db.js';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const agentMain = path.resolve(apiDir, '../agent/src/main.ts');
const tsxLoader = pathToFileURL(createRequire(path.join(apiDir, 'package.json')).resolve('tsx/esm')).href;

const secrets: Secret[] = [];
/** Remembers a secret that came to exist, to search for it at the end. */
function keep(kind: string, value: unknown): string {
  if (typeof value !== 'string' || value.length < 8)
    throw new Error(`${kind}: no secret here (${String(value)})`);
  secrets.push({ kind, value });
  return value;
}
const random = (n = 15) => randomBytes(n).toString('base64url');

const KEY = randomBytes(32);
const gitlab = new GitlabSimulator({
  adminToken: keep('GitLab access token', `glpat-${random()}`),
  runnerTokenExpirationIntervalSeconds: 30 * 24 * 3600,
});
let gitlabUrl: string;
let databaseUrl: string;
let dataDir: string;
let api: ServerProcess;
let client: RecordingClient;

const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  gitlabUrl = await gitlab.listen();
  cleanups.push(() => gitlab.close());
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  databaseUrl = database.url;
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-leak-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  keep('secret key (base64)', KEY.toString('base64'));
  keep('secret key (hex)', KEY.toString('hex'));
  keep('admin password', TEST_PASSWORD);
  api = await startServer({
    DATABASE_URL: database.url,
    PADDOCK_SECRET_KEY: KEY.toString('base64'),
    PADDOCK_DATA_DIR: dataDir,
    // As much as the API ever writes.
    LOG_LEVEL: 'trace',
    PADDOCK_TRACE_POLL_MS: '200',
    PADDOCK_AGENT_HEARTBEAT_MS: '1000',
    PADDOCK_GITLAB_SYNC_INTERVAL_MS: '5000',
  });
  cleanups.push(() => (api.child.exitCode === null ? api.stop('SIGKILL') : Promise.resolve()));
  client = new RecordingClient(api.url);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectStatus(res: { status: number; text: string }, status: number) {
  expect(res.status, res.text).toBe(status);
}

function sessionOf(res: { headers: Headers; body: { csrfToken?: string } }, who: string): Credentials {
  const cookie = /paddock_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  return {
    session: keep(`${who} session cookie`, cookie),
    csrf: keep(`${who} CSRF token`, res.body.csrfToken),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type Agent = ChildProcess & { output: () => string; exited: Promise<number | null> };
const agentLogs: Record<string, () => string> = {};

function runAgent(label: string, args: string[], hostname: string): Agent {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, '--conditions=@paddock/source', agentMain, ...args],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        PADDOCK_AGENT_LOG_LEVEL: 'debug',
        PADDOCK_AGENT_HOSTNAME: hostname,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  agentLogs[label] = () => out;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return Object.assign(child, { output: () => out, exited });
}

interface Host {
  name: string;
  systemId: string;
  config: string;
  state: string;
  metricsPort: number;
  machineId: string;
  agent: Agent | null;
  runner: RunnerSimulator | null;
}

function newHost(name: string, systemId: string, metricsPort: number): Host {
  const dir = mkdtempSync(path.join(os.tmpdir(), `paddock-leak-${name}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'etc', 'config.toml');
  mkdirSync(path.dirname(config), { recursive: true });
  writeFileSync(path.join(path.dirname(config), '.runner_system_id'), systemId, { mode: 0o600 });
  return {
    name,
    systemId,
    config,
    state: path.join(dir, 'state'),
    metricsPort,
    machineId: '',
    agent: null,
    runner: null,
  };
}

const machine = async (id: string) => (await client.get(`/api/v1/machines/${id}`)).body;
const converged = (host: Host) =>
  until(
    `${host.name} to run its desired revision`,
    () => machine(host.machineId),
    (m) => m.desiredRevision > 0 && m.appliedRevision === m.desiredRevision,
  );
const fileText = (host: Host) => readFileSync(host.config, 'utf8');

let admin: Credentials;
let readToken: string;
let instanceId: string;
let display: string;
const hosts: Host[] = [];
let browser: LiveSocket;
let wall: LiveSocket;
let runnerId: string;
let gitlabRunnerId: number;
const rolloutIds = new Set<string>();
/** host-a's gitlab-runner: its pending token reset, and the token it would reset */
const resetOnA: { task?: () => void; token?: string } = {};

describe('a whole scenario', { timeout: 60_000 }, () => {
  it('signs in (after a mistyped password) and makes API tokens', async () => {
    const mistyped = keep('mistyped password', 'correct horse battery stapel');
    expectStatus(
      await client.post(
        '/api/v1/auth/login',
        { email: TEST_ADMIN_EMAIL, password: mistyped },
        { auth: null },
      ),
      401,
    );
    // The password typed into the email field too, as happens.
    expectStatus(
      await client.post(
        '/api/v1/auth/login',
        { email: TEST_PASSWORD, password: TEST_PASSWORD },
        { auth: null },
      ),
      401,
    );
    // Broken JSON around the password: the parser's complaint must not quote it.
    for (const raw of [
      `{"email":"${TEST_ADMIN_EMAIL}","password":"${TEST_PASSWORD}"`,
      `{"email":"${TEST_ADMIN_EMAIL}","password":"${TEST_PASSWORD}"x}`,
      `password=${TEST_PASSWORD}`,
    ])
      expectStatus(await client.request('POST', '/api/v1/auth/login', { raw, auth: null }), 400);
    const login = await client.post(
      '/api/v1/auth/login',
      { email: TEST_ADMIN_EMAIL, password: TEST_PASSWORD },
      { auth: null, shownOnce: 'signing in sets the session cookie and answers its CSRF token' },
    );
    expectStatus(login, 200);
    admin = sessionOf(login, 'admin');
    expectStatus(
      await client.get('/api/v1/auth/session', {
        auth: admin,
        shownOnce: 'the session answers its CSRF token to the page',
      }),
      200,
    );
    const write = await client.post(
      '/api/v1/api-tokens',
      { name: 'deploy script', scope: 'write' },
      { auth: admin, shownOnce: 'a new API token is shown once' },
    );
    expectStatus(write, 201);
    client.auth = { bearer: keep('API token (write)', write.body.token) };
    const read = await client.post(
      '/api/v1/api-tokens',
      { name: 'dashboard', scope: 'read' },
      { auth: admin, shownOnce: 'a new API token is shown once' },
    );
    expectStatus(read, 201);
    readToken = keep('API token (read)', read.body.token);
    const unknown = keep('unknown API token', `pdt_${random(32)}`);
    expectStatus(await client.get('/api/v1/runners', { auth: { bearer: unknown } }), 401);
    expectStatus(await client.get('/api/v1/runners', { auth: null }), 401);
  });

  it('connects GitLab, refusing tokens GitLab does not know or that lack a scope, and a failing GitLab', async () => {
    const body = (accessToken: string) => ({ name: 'Main GitLab', url: gitlabUrl, accessToken });
    const unknown = keep('GitLab access token GitLab does not know', `glpat-${random()}`);
    expectStatus(await client.post('/api/v1/gitlab-instances', body(unknown)), 422);
    const readOnly = keep(
      'GitLab access token without the api scope',
      gitlab.createAccessToken({ scopes: ['read_api'] }).token,
    );
    expectStatus(await client.post('/api/v1/gitlab-instances', body(readOnly)), 422);
    gitlab.faults.failNext(10, 500, { route: 'GET /personal_access_tokens/self' });
    expectStatus(await client.post('/api/v1/gitlab-instances', body(gitlab.adminToken)), 502);
    gitlab.faults.clear();
    const created = await client.post('/api/v1/gitlab-instances', body(gitlab.adminToken), { auth: admin });
    expectStatus(created, 201);
    instanceId = created.body.id;

    expectStatus(await client.patch(`/api/v1/gitlab-instances/${instanceId}`, { accessToken: unknown }), 422);
    const replacement = keep(
      'GitLab access token (replacement)',
      gitlab.createAccessToken({ name: 'paddock', scopes: ['api'] }).token,
    );
    expectStatus(
      await client.patch(`/api/v1/gitlab-instances/${instanceId}`, { accessToken: replacement }),
      200,
    );
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    expectStatus(
      await client.patch(`/api/v1/gitlab-instances/${instanceId}`, {
        url: nowhere,
        accessToken: replacement,
      }),
      502,
    );

    // A sync GitLab throttles once, then fails: a 200 whose run carries the error.
    gitlab.faults.rateLimitNext(1, 1, { route: 'GET /runners/all' });
    gitlab.faults.failNext(10, 500, { route: 'GET /runners/all' });
    const failed = await client.post(`/api/v1/gitlab-instances/${instanceId}/sync`);
    expectStatus(failed, 200);
    expect(failed.body.error, failed.text).toBeTruthy();
    gitlab.faults.clear();
    expectStatus(await client.post(`/api/v1/gitlab-instances/${instanceId}/sync`), 200);
  });

  it('enrolls two machines, one by the agent and one through the API, and starts their agents', async () => {
    const tokens: string[] = [];
    for (const name of ['rack 1', 'rack 2']) {
      const res = await client.post(
        '/api/v1/enrollment-tokens',
        { name },
        { shownOnce: 'a new enrollment token is shown once' },
      );
      expectStatus(res, 201);
      tokens.push(keep(`enrollment token (${name})`, res.body.token));
    }
    const wrong = keep('unknown enrollment token', `pde_${random(32)}`);
    expectStatus(
      await client.post(
        '/api/v1/agent/enroll',
        { token: wrong, hostname: 'intruder', systemId: 'r_intruder0001' },
        { auth: null },
      ),
      401,
    );

    const forged = keep('unknown agent credential', `pda_${random(32)}`);
    expect(await refusedUpgrade('/agent', forged)).toBe(401);
    expectStatus(await client.get('/agent', { auth: { bearer: forged } }), 401);

    const a = newHost('host-a', 'r_leakHostAAA1', await freePort());
    const enroll = runAgent(
      'agent enroll (host-a)',
      ['enroll', '--server', api.url, '--token', tokens[0]!, '--state-dir', a.state, '--config', a.config],
      a.name,
    );
    expect(await enroll.exited, enroll.output()).toBe(0);
    const stored = JSON.parse(readFileSync(path.join(a.state, 'credential.json'), 'utf8'));
    keep('agent credential (host-a)', stored.credential);
    a.machineId = stored.machineId;

    const b = newHost('host-b', 'r_leakHostBBB2', await freePort());
    const enrolled = await client.post(
      '/api/v1/agent/enroll',
      { token: tokens[1], hostname: b.name, systemId: b.systemId, os: 'linux', arch: 'x64' },
      { auth: null, shownOnce: "enrollment answers the machine's agent credential once" },
    );
    expectStatus(enrolled, 201);
    b.machineId = enrolled.body.machineId;
    mkdirSync(b.state, { recursive: true, mode: 0o700 });
    writeFileSync(
      path.join(b.state, 'credential.json'),
      JSON.stringify({
        server: api.url,
        machineId: b.machineId,
        credential: keep('agent credential (host-b)', enrolled.body.credential),
      }),
      { mode: 0o600 },
    );

    for (const host of [a, b]) {
      host.agent = runAgent(
        `agent run (${host.name})`,
        [
          'run',
          '--config',
          host.config,
          '--state-dir',
          host.state,
          '--runner-metrics',
          `http://127.0.0.1:${host.metricsPort}/metrics`,
        ],
        host.name,
      );
      hosts.push(host);
    }
    for (const host of hosts)
      await until(
        `${host.name} online`,
        () => machine(host.machineId),
        (m) => m.connectionState === 'online',
      );
  });

  it('opens a browser and a wall screen on /live', async () => {
    const created = await client.post(
      '/api/v1/display-tokens',
      { name: 'lobby' },
      { shownOnce: 'a new display token and its wall link are shown once' },
    );
    expectStatus(created, 201);
    display = keep('display token', created.body.token);
    expectStatus(await client.get('/api/v1/wall/summary', { auth: { display } }), 200);
    expectStatus(await client.get('/api/v1/wall/summary', { auth: { bearer: display } }), 200);
    wall = await client.live('wall screen', { display });
    wall.subscribe('machines');
    await wall.waitFor('subscribed', (m) => m.type === 'subscribed');
    browser = await client.live('browser', admin);
    browser.subscribe('machines');
    await browser.waitFor('subscribed', (m) => m.type === 'subscribed');
  });

  it('registers a runner for both machines (after GitLab failed once), watched live', async () => {
    const body = (registrationId: string) => ({
      registrationId,
      gitlabInstanceId: instanceId,
      runnerType: 'instance_type',
      description: 'shared docker',
      tags: ['docker'],
      executor: { name: 'shell', settings: {} },
      limits: { limitMode: 'per_machine', limit: 3, requestConcurrency: null },
      machines: { ids: hosts.map((h) => h.machineId) },
    });
    const failing = randomUUID();
    browser.subscribe(`registration:${failing}`);
    gitlab.faults.failNext(10, 500, { route: 'POST /user/runners' });
    expectStatus(await client.post('/api/v1/runners', body(failing)), 502);
    gitlab.faults.clear();
    await browser.waitFor(
      'the failed step',
      (m) => m.type === 'registration' && (m.registration as { state: string }).state === 'failed',
    );

    const registrationId = randomUUID();
    browser.subscribe(`registration:${registrationId}`);
    const res = await client.post('/api/v1/runners', body(registrationId));
    expectStatus(res, 201);
    runnerId = res.body.runner.id;
    gitlabRunnerId = res.body.runner.gitlabRunnerId;
    rolloutIds.add(res.body.rollout.rolloutId);
    browser.subscribe(`rollout:${res.body.rollout.rolloutId}`);
    const token = keep('runner token (registered)', gitlab.store.runners.get(gitlabRunnerId)!.token);
    for (const host of hosts) {
      await converged(host);
      expect(fileText(host)).toContain(token);
    }
    await browser.waitFor('the rollout', (m) => m.type === 'rollout');
  });

  it("runs jobs on both machines' gitlab-runner and watches a job's log live", async () => {
    for (const host of hosts) {
      host.runner = new RunnerSimulator({
        configPath: host.config,
        jobSource: new GitlabJobSource({ traceUpdateIntervalSeconds: 0.2 }),
        listenAddress: `127.0.0.1:${host.metricsPort}`,
        reloadIntervalMs: 100,
        checkIntervalMs: 50,
        // The token reset due in three weeks: host-a's runs when the test says, host-b's never.
        runAt: (_at, task) => {
          if (host === hosts[0]) resetOnA.task = task;
          return () => {};
        },
      });
      host.runner.on((e) => {
        if (host === hosts[0] && e.type === 'token-reset-scheduled') resetOnA.token = e.runner.token;
      });
      await host.runner.start();
      const sim = host.runner;
      cleanups.push(() => sim.stop());
    }
    const group = gitlab.createGroup('platform');
    const project = gitlab.createProject({ name: 'api', groupId: group.id });
    expectStatus(
      await client.post(`/api/v1/gitlab-instances/${instanceId}/watched-scopes`, {
        kind: 'project',
        gitlabId: project.id,
        fullPath: 'platform/api',
      }),
      201,
    );
    const pipeline = gitlab.createPipeline({
      projectId: project.id,
      ref: 'main',
      jobs: [
        {
          name: 'build',
          stage: 'build',
          tags: ['docker'],
          script: ['make build'],
          plan: { durationSeconds: 4, outcome: 'success' },
        },
        {
          name: 'lint',
          stage: 'build',
          tags: ['docker'],
          script: ['make lint'],
          plan: { durationSeconds: 1, outcome: 'failed' },
        },
      ],
    });
    const [build] = gitlab.store.jobsOfPipeline(pipeline.id);
    await until(
      'the build job running',
      () => gitlab.job(build!.id)!.status,
      (s) => s === 'running',
    );
    expectStatus(await client.post(`/api/v1/gitlab-instances/${instanceId}/sync`), 200);
    const jobs = await client.get('/api/v1/jobs?status=running');
    const job = (jobs.body.items as Array<{ id: string; gitlabJobId: number }>).find(
      (j) => j.gitlabJobId === build!.id,
    );
    expect(job, jobs.text).toBeDefined();
    gitlab.faults.failNext(2, 502, { route: 'GET /projects/:id/jobs/:job_id/trace' });
    browser.subscribe(`trace:${job!.id}`);
    await browser.waitFor('the log read failing', (m) => m.type === 'traceError');
    await browser.waitFor('a piece of the log', (m) => m.type === 'trace');
    await browser.waitFor('the end of the log', (m) => m.type === 'traceEnd');
    await until(
      'the failed job',
      () => gitlab.store.jobsOfPipeline(pipeline.id).map((j) => j.status),
      (s) => s.includes('failed') && s.includes('success'),
    );
    expectStatus(await client.post(`/api/v1/gitlab-instances/${instanceId}/sync`), 200);
  });

  it('changes the limit and rotates the token, through Paddock (once refused by GitLab) and by gitlab-runner', async () => {
    expectStatus(await client.patch(`/api/v1/runners/${runnerId}/token`, { limit: 0 }), 400);
    const limited = await client.patch(`/api/v1/runners/${runnerId}/token`, { limit: 2 });
    expectStatus(limited, 200);
    rolloutIds.add(limited.body.rolloutId);
    for (const host of hosts) await converged(host);

    gitlab.faults.failNext(10, 500, { route: 'POST /runners/:id/reset_authentication_token' });
    expectStatus(await client.post(`/api/v1/runners/${runnerId}/rotate-token`), 502);
    gitlab.faults.clear();

    const before = gitlab.store.runners.get(gitlabRunnerId)!.token;
    const rotated = await client.post(`/api/v1/runners/${runnerId}/rotate-token`);
    expectStatus(rotated, 200);
    if (rotated.body.rolloutId) rolloutIds.add(rotated.body.rolloutId);
    const token = keep('runner token (rotated by Paddock)', gitlab.store.runners.get(gitlabRunnerId)!.token);
    expect(token).not.toBe(before);
    for (const host of hosts) {
      await converged(host);
      expect(fileText(host)).toContain(token);
    }

    // gitlab-runner on host-a resets the token itself, as it would at 75 % of its life.
    await until(
      'the token reset to be scheduled with the new token',
      () => resetOnA.token,
      (t) => t === token,
    );
    const done = hosts[0]!.runner!.nextEvent((e) => e.type === 'token-rotated');
    resetOnA.task!();
    await done;
    const own = keep(
      'runner token (rotated by gitlab-runner)',
      gitlab.store.runners.get(gitlabRunnerId)!.token,
    );
    expect(own).not.toBe(token);
    await until(
      'Paddock to hold the token gitlab-runner chose',
      async () => (await client.get(`/api/v1/runners/${runnerId}`)).body,
      (r) => r.token?.last4 === own.slice(-4),
    );
    for (const host of hosts) {
      await converged(host);
      await until(
        `${host.name} to run the new token`,
        () => fileText(host),
        (t) => t.includes(own),
      );
    }
  });

  it('reports hand edits of config.toml as drift, broken or not, and restores it', async () => {
    const a = hosts[0]!;
    const original = fileText(a);
    const token = /^\s*token = "([^"]+)"$/m.exec(original)![1]!;
    const edits = [
      // unterminated: the file no longer parses, right at the token
      original.replace(`token = "${token}"`, `token = "${token}`),
      // another token and another concurrency: drift, not a rotation
      original
        .replace(token, keep('runner token typed by hand', `glrt-t1_${random(15)}`))
        .replace(/^concurrent = \d+$/m, 'concurrent = 42'),
    ];
    for (const edit of edits) {
      writeFileSync(a.config, edit);
      await until(
        'drift',
        () => machine(a.machineId),
        (m) => m.drifting,
      );
      const restored = await client.post(`/api/v1/machines/${a.machineId}/restore`);
      expectStatus(restored, 200);
      if (restored.body.rolloutId) rolloutIds.add(restored.body.rolloutId);
      await until(
        'the file restored',
        () => fileText(a),
        (t) => t === original,
      );
      await until(
        'drift cleared',
        () => machine(a.machineId),
        (m) => !m.drifting,
      );
    }
  });

  it('rolls back a revision, drains and resumes a machine', async () => {
    const [a, b] = hosts as [Host, Host];
    const revisions = await client.get(`/api/v1/machines/${a.machineId}/revisions`);
    expectStatus(revisions, 200);
    const oldest = Math.min(...(revisions.body.items as Array<{ number: number }>).map((r) => r.number));
    const rollback = await client.post(`/api/v1/machines/${a.machineId}/revisions/${oldest}/rollback`);
    expectStatus(rollback, 200);
    if (rollback.body.rolloutId) rolloutIds.add(rollback.body.rolloutId);
    await converged(a);

    const operatorPassword = keep('password given to a new operator', 'operators keep the lights on');
    expectStatus(
      await client.post('/api/v1/users', {
        email: 'ops@example.test',
        role: 'operator',
        password: operatorPassword,
      }),
      201,
    );
    const login = await client.post(
      '/api/v1/auth/login',
      { email: 'ops@example.test', password: operatorPassword },
      { auth: null, shownOnce: 'signing in sets the session cookie and answers its CSRF token' },
    );
    expectStatus(login, 200);
    const operator = sessionOf(login, 'operator');
    for (const action of ['drain', 'resume']) {
      const res = await client.post(`/api/v1/machines/${b.machineId}/${action}`, undefined, {
        auth: operator,
      });
      expectStatus(res, 200);
      if (res.body.rolloutId) rolloutIds.add(res.body.rolloutId);
      await converged(b);
    }
    expectStatus(
      await client.post(`/api/v1/machines/${b.machineId}/drain`, undefined, { auth: { bearer: readToken } }),
      403,
    );
  });

  it('invites a person, who chooses a password; the admin changes theirs', async () => {
    const created = await client.post(
      '/api/v1/users',
      { email: 'viewer@example.test', role: 'viewer' },
      { shownOnce: "a new person's invitation link is shown once" },
    );
    expectStatus(created, 201);
    keep(
      'invitation token (first)',
      new URLSearchParams(new URL(created.body.invitePath, api.url).hash.slice(1)).get('token'),
    );
    const again = await client.post(`/api/v1/users/${created.body.id}/invite`, undefined, {
      shownOnce: 'a new invitation link is shown once',
    });
    expectStatus(again, 200);
    const invite = keep(
      'invitation token',
      new URLSearchParams(new URL(again.body.invitePath, api.url).hash.slice(1)).get('token'),
    );

    const chosen = keep('password chosen through an invitation', 'viewers see everything calmly');
    expectStatus(
      await client.post(
        '/api/v1/auth/invite',
        { token: keep('unknown invitation token', `pdi_${random(32)}`), password: chosen },
        { auth: null },
      ),
      401,
    );
    const accepted = await client.post(
      '/api/v1/auth/invite',
      { token: invite, password: chosen },
      { auth: null, shownOnce: 'accepting an invitation signs in: session cookie and CSRF token' },
    );
    expectStatus(accepted, 200);
    const viewer = sessionOf(accepted, 'invited viewer');
    // The links as a browser opens them: the invitation's token stays in the fragment (never sent); an old-style
    // query-string link and the wall screen's display token do reach the server.
    for (const page of [`/invite?token=${invite}`, `/wall?display=${display}`])
      expect((await client.get(page, { auth: null })).status).toBeLessThan(500);
    expectStatus(await client.get('/api/v1/runners', { auth: viewer }), 200);
    expectStatus(await client.get('/api/v1/users', { auth: viewer }), 403);

    const changed = keep('changed admin password', 'a much longer admin passphrase');
    expectStatus(
      await client.post(
        '/api/v1/auth/password',
        { currentPassword: keep('wrong current password', 'not my password at all'), newPassword: changed },
        { auth: admin },
      ),
      400,
    );
    expectStatus(
      await client.post(
        '/api/v1/auth/password',
        { currentPassword: TEST_PASSWORD, newPassword: changed },
        { auth: admin },
      ),
      204,
    );
    const again2 = await client.post(
      '/api/v1/auth/login',
      { email: TEST_ADMIN_EMAIL, password: changed },
      { auth: null, shownOnce: 'signing in sets the session cookie and answers its CSRF token' },
    );
    expectStatus(again2, 200);
    const second = sessionOf(again2, 'admin (second)');
    const forgedCsrf = {
      session: (second as { session: string }).session,
      csrf: keep('forged CSRF token', random(32)),
    };
    expectStatus(await client.post('/api/v1/auth/logout-everywhere', undefined, { auth: forgedCsrf }), 403);
    expectStatus(await client.post('/api/v1/auth/logout', undefined, { auth: second }), 204);
    expectStatus(await client.get('/api/v1/runners', { auth: second }), 401);
    expectStatus(await client.post('/api/v1/auth/logout-everywhere', undefined, { auth: viewer }), 200);
    expectStatus(await client.get('/api/v1/runners', { auth: viewer }), 401);
  });

  it('revokes an API token, a display token and a machine credential', async () => {
    const tokens = (await client.get('/api/v1/api-tokens')).body.items as Array<{ id: string; name: string }>;
    const dashboard = tokens.find((t) => t.name === 'dashboard')!;
    expectStatus(await client.delete(`/api/v1/api-tokens/${dashboard.id}`), 204);
    expectStatus(await client.get('/api/v1/runners', { auth: { bearer: readToken } }), 401);

    const lobby = await client.post(
      '/api/v1/display-tokens',
      { name: 'hallway' },
      { shownOnce: 'a new display token and its wall link are shown once' },
    );
    expectStatus(lobby, 201);
    const hallway = keep('display token (revoked)', lobby.body.token);
    const screen = await client.live('revoked wall screen', { display: hallway });
    screen.subscribe('machines');
    await screen.waitFor('subscribed', (m) => m.type === 'subscribed');
    expectStatus(await client.delete(`/api/v1/display-tokens/${lobby.body.id}`), 204);
    expectStatus(await client.get('/api/v1/wall/summary', { auth: { display: hallway } }), 401);
    await screen.close();

    // host-b loses its credential: its agent is told at once and keeps being refused.
    const b = hosts[1]!;
    expectStatus(await client.delete(`/api/v1/machines/${b.machineId}/credentials`), 200);
    await until(
      'host-b offline',
      () => machine(b.machineId),
      (m) => m.connectionState === 'offline',
    );
    await until(
      'the agent to say so',
      () => b.agent!.output(),
      (o) => /rejected|revoked|401/i.test(o),
    );
  });

  it('reads every list and detail', async () => {
    const get = async (p: string, auth?: Credentials) => {
      const res = await client.get(p, auth === undefined ? {} : { auth });
      expectStatus(res, 200);
      return res.body;
    };
    const [a] = hosts as [Host, Host];
    for (const auth of [undefined, admin]) {
      await get('/api/v1/runners', auth);
      await get(`/api/v1/runners/${runnerId}`, auth);
      await get('/api/v1/machines', auth);
      await get('/api/v1/gitlab-instances', auth);
    }
    await get('/api/v1/runner-tokens/expiring?days=3650');
    for (const host of hosts) {
      await get(`/api/v1/machines/${host.machineId}`);
      await get(`/api/v1/machines/${host.machineId}/credentials`);
      const revisions = (await get(`/api/v1/machines/${host.machineId}/revisions`)).items as Array<{
        number: number;
      }>;
      for (const r of revisions) {
        await get(`/api/v1/machines/${host.machineId}/revisions/${r.number}`);
        await get(`/api/v1/machines/${host.machineId}/revisions/${r.number}/diff`);
      }
    }
    for (const id of rolloutIds) await get(`/api/v1/rollouts/${id}`);
    await get('/api/v1/jobs/queues');
    await get('/api/v1/jobs?status=pending');
    await get('/api/v1/jobs?status=running');
    await get('/api/v1/tags');
    let cursor: string | null = null;
    do {
      const page: { nextCursor: string | null } = await get(
        `/api/v1/audit-events?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      cursor = page.nextCursor;
    } while (cursor);
    await get('/api/v1/users');
    await get('/api/v1/api-tokens');
    await get('/api/v1/api-tokens', admin);
    await get('/api/v1/display-tokens');
    await get('/api/v1/enrollment-tokens');
    await get(`/api/v1/gitlab-instances/${instanceId}`);
    await get(`/api/v1/gitlab-instances/${instanceId}/sync`);
    await get(`/api/v1/gitlab-instances/${instanceId}/watched-scopes`);
    await get('/api/v1/openapi.json', null);
    await get('/api/v1/auth/setup', null);
    await get('/api/v1/wall/summary', { display });
    expectStatus(await client.get(`/api/v1/runners/${randomUUID()}`), 404);
    expectStatus(await client.get(`/api/v1/machines/${a.machineId}/revisions/9999`), 404);
    expectStatus(await client.get('/api/v1/runners/not-an-id'), 400);
  });
});

describe('after the scenario', () => {
  const texts: Record<string, string> = {};

  beforeAll(async () => {
    // Everything stops first, so every log line is written.
    await browser.close();
    await wall.close();
    for (const host of hosts) {
      await host.runner?.stop();
      host.agent!.kill('SIGTERM');
      await host.agent!.exited;
    }
    await api.stop();
    const dump = await promisify(execFile)('pg_dump', ['--no-owner', '--no-privileges', databaseUrl], {
      maxBuffer: 256 * 1024 * 1024,
    });
    texts['database dump (pg_dump)'] = dump.stdout;
    texts['API process output'] = api.output();
    for (const [label, output] of Object.entries(agentLogs)) texts[`${label} output`] = output();
    for (const file of filesUnder(dataDir))
      texts[`data dir ${path.relative(dataDir, file)}`] = readFileSync(file, 'utf8');
    Object.assign(texts, client.searchable());
  }, 60_000);

  it('searched a full dump, every log and every answer and frame', () => {
    const size = (pick: (k: string) => boolean) =>
      Object.entries(texts)
        .filter(([k]) => pick(k))
        .reduce((n, [, v]) => n + Buffer.byteLength(v), 0);
    const answers = client.responses.length - client.shownOnce().length;
    const frames = client.sockets.reduce((n, s) => n + s.frames.length, 0);
    console.info(
      [
        `secrets: ${secrets.length}`,
        `database dump: ${size((k) => k.startsWith('database'))} bytes`,
        `API log: ${size((k) => k.startsWith('API'))} bytes`,
        `agent logs: ${size((k) => k.startsWith('agent'))} bytes`,
        `REST answers: ${answers} (${size((k) => k.startsWith('response'))} bytes)`,
        `/live frames: ${frames} (${size((k) => k.startsWith('/live'))} bytes)`,
        `left out as shown once: ${client
          .shownOnce()
          .map((r) => `${r.method} ${r.path}`)
          .join(', ')}`,
      ].join('\n'),
    );
    // The search finds what is there: each secret shown once is found in its answer, the token on disk in config.toml.
    const shown = Object.fromEntries(
      client.shownOnce().map((r, i) => [`shown #${i}`, `${r.headers}\n${r.body}`]),
    );
    for (const kind of [
      'admin session cookie',
      'API token (write)',
      'display token',
      'agent credential (host-b)',
    ]) {
      expect(
        findSecrets(
          shown,
          secrets.filter((s) => s.kind === kind),
        ).length,
        kind,
      ).toBeGreaterThan(0);
    }
    expect(
      findSecrets(
        { 'config.toml': fileText(hosts[0]!) },
        secrets.filter((s) => s.kind === 'runner token (rotated by gitlab-runner)'),
      ),
    ).toHaveLength(1);
    expect(texts['database dump (pg_dump)']!.includes('COPY public.runner_tokens ')).toBe(true);
    expect(frames).toBeGreaterThan(10);
    expect(answers).toBeGreaterThan(50);
  });

  it('no secret in the database dump', () => {
    const found = findSecrets(
      pick(texts, (k) => k.startsWith('database')),
      secrets,
    );
    expect(found, describeFindings(found)).toEqual([]);
  });

  it('no secret in the logs of the API and the agents', () => {
    const found = findSecrets(
      pick(texts, (k) => k.startsWith('API') || k.startsWith('agent') || k.startsWith('data dir')),
      secrets,
    );
    expect(found, describeFindings(found)).toEqual([]);
  });

  it('no secret in any REST answer or /live frame', () => {
    const found = findSecrets(
      pick(texts, (k) => k.startsWith('response') || k.startsWith('/live')),
      secrets,
    );
    expect(found, describeFindings(found)).toEqual([]);
  });

  it('nothing shaped like a GitLab or Paddock token anywhere', () => {
    const found = findTokenShapes(texts);
    expect(found, describeFindings(found)).toEqual([]);
  });
});

/** The HTTP status a websocket upgrade was refused with. */
async function refusedUpgrade(path_: string, bearer: string): Promise<number> {
  const socket = new WebSocket(`${api.url.replace(/^http/, 'ws')}${path_}`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        client.responses.push({
          method: 'GET (upgrade)',
          path: path_,
          status: res.statusCode ?? 0,
          headers: Object.entries(res.headers)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join('\n'),
          body,
          shownOnce: null,
        });
        resolve(res.statusCode ?? 0);
      });
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => {});
  });
}

function pick(texts: Record<string, string>, wanted: (k: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(texts).filter(([k]) => wanted(k)));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}
