/**
 * Bad input, everywhere it can come in: REST bodies, query strings and path params, sign-in, both websockets and
 * their upgrades, and TOML injection through every field that reaches config.toml. Each case is data
 * (test/bad-input/*.ts). Every refusal must be a 4xx problem+json (or a close frame with a code and reason), the
 * process keeps answering, and the database is the same before and after each case and after the whole corpus.
 */
import { Problem } from '@paddock/contracts';
import { GitlabSimulator } from '@paddock/gitlab-sim';
import { parseRunnerConfig, RenderError } from '@paddock/runner-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DesiredModel } from '../src/modules/revisions/desired-model.js';
import { renderConfigToml, toRunnerConfig } from '../src/modules/revisions/render.js';
import { changedTables, CREDENTIAL_USE, fingerprint, type Masks } from './bad-input/fingerprint.js';
import { loginCases } from './bad-input/login-cases.js';
import { restCases } from './bad-input/rest-cases.js';
import { SEED, seedDatabase, type SeededRuntime } from './bad-input/seed.js';
import { agentCases, liveCases, upgradeCases } from './bad-input/socket-cases.js';
import { INJECTIONS, PADDOCK_RUNNER_KEYS, REGISTRATION_FIELDS } from './bad-input/toml-injection.js';
import type { AgentCase, Frame, HttpRequest, SocketExpect } from './bad-input/types.js';
import { createTestUser } from './support/auth.js';
import { factories } from './support/factories.js';
import { databaseFingerprint, useTestApp } from './support/test-db.js';

const ctx = useTestApp();
const sim = new GitlabSimulator({ seed: 10 });
let runtime: SeededRuntime;
let wsBase: string;
/** the database after the seed and a warm-up, which the whole corpus must leave as it is */
let baseline: Record<string, string>;

const httpCases = [...restCases(SEED), ...loginCases()];
const live = liveCases();
const upgrades = upgradeCases();
const agent = agentCases(SEED);
const agentBefore = agent.filter((c) => !c.afterHello);
const agentAfter = agent.filter((c) => c.afterHello);
const injectionCases = REGISTRATION_FIELDS.flatMap((field) =>
  INJECTIONS.map((injection) => ({ field, injection })),
);
const allCases = [...httpCases, ...live, ...upgrades, ...agent];

beforeAll(async () => {
  await sim.listen();
  runtime = await seedDatabase(ctx, sim);
  wsBase = (await ctx.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  // Every credential the corpus uses is used once before the baseline, which so holds their first use.
  await ctx.app.inject({ method: 'GET', url: '/api/v1/machines' });
  await ctx.app.inject({
    method: 'GET',
    url: '/api/v1/auth/session',
    headers: { cookie: SEED.session.cookie },
  });
  await ctx.app.inject({
    method: 'GET',
    url: `/api/v1/wall/summary?display=${runtime.displayToken}`,
    headers: { authorization: null } as unknown as Record<string, string>,
  });
  baseline = await fingerprint(ctx.db);
});
afterAll(() => sim.close());

// ---------------------------------------------------------------------------------------------------------------
// helpers

async function send(r: HttpRequest) {
  const headers: Record<string, string | null> = { ...r.headers };
  let payload: string | Buffer | NodeJS.ReadableStream | undefined;
  if (r.json !== undefined) {
    payload = JSON.stringify(r.json);
    headers['content-type'] ??= 'application/json';
  } else if (r.body !== undefined) {
    payload = typeof r.body === 'function' ? r.body() : r.body;
  }
  return ctx.app.inject({
    method: r.method,
    url: r.url,
    headers: headers as Record<string, string>,
    ...(payload !== undefined && { payload }),
  });
}

/** Asserts a problem+json answer with the expected status, code and (when given) field path. */
function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  expected: { status: number; code: string; path?: string },
) {
  expect(res.statusCode, res.body).toBe(expected.status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const parsed = Problem.safeParse(JSON.parse(res.body));
  expect(parsed.success, res.body).toBe(true);
  const problem = parsed.data!;
  expect(problem.status).toBe(expected.status);
  expect(problem.code, res.body).toBe(expected.code);
  if (expected.path !== undefined) {
    const paths = (problem.errors ?? []).map((e) => e.path);
    expect(
      paths.some((p) => p === expected.path || p.startsWith(`${expected.path}.`)),
      `${expected.path} not among ${JSON.stringify(paths)}`,
    ).toBe(true);
  }
}

async function expectUnchanged(before: Record<string, string>, masks?: Masks) {
  expect(changedTables(before, await fingerprint(ctx.db, masks))).toEqual([]);
}

/** A websocket client that keeps every message and the close. */
class Client {
  readonly messages: Array<Record<string, unknown>> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private listeners: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
      } catch {
        this.messages.push({ unparsable: data.toString() });
      }
      this.notify();
    });
    // A server closing mid-frame can make writes fail; the close code is what the cases look at.
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.notify();
      }),
    );
  }

  static async open(path: string, headers: Record<string, string>): Promise<Client> {
    const ws = new WebSocket(`${wsBase}${path}`, { headers });
    // listening before the socket opens: the server's first frame can arrive with the upgrade answer
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return client;
  }

  private notify() {
    for (const l of this.listeners.splice(0)) l();
  }

  /** Waits until `done()` holds, or fails after a few seconds. */
  async until(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(frames: Frame[]) {
    for (const f of frames) {
      if ('ping' in f) this.ws.ping();
      else if ('binary' in f) this.ws.send(f.binary, { binary: true });
      else this.ws.send(f.text);
    }
  }

  /** A ping answered: the server read everything sent before it, and the socket is still open. */
  async roundTrip(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no pong: the socket is not answering')), 5_000);
      this.ws.once('pong', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.ping();
    });
    expect(this.ws.readyState).toBe(WebSocket.OPEN);
  }

  count(type: string) {
    return this.messages.filter((m) => m.type === type).length;
  }

  close() {
    this.ws.close();
  }
}

async function expectClose(client: Client, expected: Extract<SocketExpect, { close: number }>) {
  const closed = await Promise.race([
    client.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the server did not close')), 5_000)),
  ]);
  expect(closed.code).toBe(expected.close);
  if (expected.reason) expect(closed.reason).toMatch(expected.reason);
}

// ---------------------------------------------------------------------------------------------------------------

describe('the corpus', () => {
  it('has at least 100 cases of bad input, plus the TOML injections', () => {
    expect(allCases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(allCases.map((c) => c.name)).size).toBe(allCases.length);
    expect(injectionCases.length).toBeGreaterThanOrEqual(50);
  });

  it('excludes from fingerprints only what a plain authenticated read writes', async () => {
    const fresh = await createTestUser(ctx.db.prisma, 'viewer');
    const before = await databaseFingerprint(ctx.db);
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/machines',
      headers: { authorization: fresh.bearer },
    });
    expect(res.statusCode).toBe(200);
    // the first use of a token records when it was used, nothing else
    expect(changedTables(before, await databaseFingerprint(ctx.db))).toEqual(['api_tokens']);
    expect(Object.keys(CREDENTIAL_USE)).toContain('api_tokens');

    // The masks hide that column and no other: any other change to the same table still shows.
    const masked = await fingerprint(ctx.db);
    await ctx.app.inject({ method: 'GET', url: '/api/v1/runners', headers: { authorization: fresh.bearer } });
    expect(changedTables(masked, await fingerprint(ctx.db))).toEqual([]);
    await ctx.db.prisma.apiToken.updateMany({ where: { userId: fresh.id }, data: { name: 'renamed' } });
    expect(changedTables(masked, await fingerprint(ctx.db))).toEqual(['api_tokens']);
    await ctx.db.prisma.apiToken.updateMany({ where: { userId: fresh.id }, data: { name: 'tests' } });
    expect(changedTables(masked, await fingerprint(ctx.db))).toEqual([]);
    // the corpus starts from here: the seed, its warm-up and this person
    baseline = masked;
  });
});

describe('REST and sign-in', () => {
  for (const c of httpCases) {
    it(c.name, async () => {
      const before = await fingerprint(ctx.db);
      const res = await send(c.request);
      expect.soft(changedTables(before, await fingerprint(ctx.db)), 'tables the request changed').toEqual([]);
      expectProblem(res, c.expect);
    });
  }
});

describe('/live', () => {
  for (const c of live) {
    it(c.name, async () => {
      const client = await Client.open(
        c.as === 'display' ? `/live?display=${runtime.displayToken}` : '/live',
        c.as === 'display' ? {} : { authorization: ctx.admin.bearer },
      );
      await client.until(() => client.count('ready') === 1, 'ready');
      client.send(c.frames);
      const e = c.expect;
      if ('close' in e) {
        await expectClose(client, e);
        return;
      }
      if ('errors' in e) {
        await client.until(() => client.count('error') >= e.errors, `${e.errors} error frames`);
        await client.roundTrip();
        const errors = client.messages.filter((m) => m.type === 'error');
        expect(errors).toHaveLength(e.errors);
        for (const m of errors) expect(m.message).toMatch(e.message);
        expect(client.count('subscribed')).toBe('subscribed' in e ? e.subscribed : 0);
      } else {
        throw new Error(`unexpected expectation for /live: ${JSON.stringify(e)}`);
      }
      client.close();
    });
  }
});

describe('websocket upgrades', () => {
  for (const c of upgrades) {
    it(c.name, async () => {
      const headers = { ...c.headers, ...(c.asAdmin && { authorization: ctx.admin.bearer }) };
      const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`${wsBase}${c.path}`, { headers });
        ws.once('open', () => {
          ws.terminate();
          reject(new Error('the upgrade was accepted'));
        });
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
          );
        });
        ws.once('error', () => undefined);
      });
      expectProblem(
        { statusCode: answer.status, headers: { 'content-type': answer.type }, body: answer.body },
        c.expect,
      );
    });
  }
});

describe('/agent before hello', () => {
  for (const c of agentBefore) {
    it(c.name, async () => {
      const before = await fingerprint(ctx.db);
      const counters = { ...ctx.app.agentGateway.counters };
      const client = await Client.open('/agent', { authorization: `Bearer ${runtime.agentCredential}` });
      client.send(c.frames);
      await expectAgent(client, c, counters, 0);
      client.close();
      await client.closed;
      await expectUnchanged(before);
    });
  }
});

async function expectAgent(
  client: Client,
  c: AgentCase,
  counters: { invalidFrames: number; refusedReports: number; oversizedFrames: number },
  /** messages the client had before this case's frames */
  seen: number,
) {
  const e = c.expect;
  const now = ctx.app.agentGateway.counters;
  if ('close' in e) {
    await expectClose(client, e);
    if (e.close === 1009) expect(now.oversizedFrames).toBe(counters.oversizedFrames + 1);
  } else if ('dropped' in e) {
    await client.roundTrip();
    expect(now.invalidFrames - counters.invalidFrames).toBe(e.dropped);
    expect(now.refusedReports).toBe(counters.refusedReports);
  } else if ('refused' in e) {
    await client.until(() => now.refusedReports - counters.refusedReports >= e.refused, 'the refusal');
    await client.roundTrip();
    expect(now.refusedReports - counters.refusedReports).toBe(e.refused);
    expect(now.invalidFrames).toBe(counters.invalidFrames);
  } else {
    throw new Error(`unexpected expectation for /agent: ${JSON.stringify(e)}`);
  }
  // nothing the agent sent was answered
  expect(client.messages.slice(seen)).toEqual([]);
}

describe('nothing changed', () => {
  it('the database is as it was before the corpus, and the API still answers', async () => {
    await expectUnchanged(baseline);
    expect(
      (
        await ctx.app.inject({
          method: 'GET',
          url: '/healthz',
          headers: { authorization: null } as unknown as Record<string, string>,
        })
      ).statusCode,
    ).toBe(200);
    const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/machines/${SEED.machineId}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().labels).toEqual({ pool: 'docker', region: 'eu' });
  });
});

describe('/agent after hello', () => {
  /** once an agent said hello, it keeps its machine's last-seen time and connection state current */
  const liveness: Masks = { ...CREDENTIAL_USE, machines: ['last_seen_at', 'connection_state', 'updated_at'] };
  let client: Client;
  beforeAll(async () => {
    client = await Client.open('/agent', { authorization: `Bearer ${runtime.agentCredential}` });
    client.send([
      {
        text: JSON.stringify({
          type: 'hello',
          protocolVersion: '1.0',
          agentVersion: '0.1.0',
          systemId: SEED.agentSystemId,
          hostname: 'agent-1',
          os: 'linux',
          arch: 'x64',
          runnerVersion: '19.4.0',
          applied: null,
          diskSha256: null,
        }),
      },
    ]);
    await client.until(() => client.count('welcome') === 1, 'welcome');
  });
  afterAll(() => client.close());

  for (const c of agentAfter) {
    it(c.name, async () => {
      const before = await fingerprint(ctx.db, liveness);
      const counters = { ...ctx.app.agentGateway.counters };
      const seen = client.messages.length;
      client.send(c.frames);
      await expectAgent(client, c, counters, seen);
      await expectUnchanged(before, liveness);
    });
  }
});

describe('TOML injection at the render layer', () => {
  /** a desired model with `value` in every string the renderer writes, keys of maps and unknown keys included */
  const model = (value: string): DesiredModel => ({
    version: 1,
    global: {
      concurrent: 4,
      checkInterval: 3,
      listenAddress: value,
      settings: { sentry_dsn: value, user: value, labels: { [value]: value, zone: value } },
    },
    draining: false,
    runners: [
      {
        runnerId: 'r1',
        name: value,
        url: value,
        gitlabRunnerId: 1,
        tokenObtainedAt: '2026-01-01T00:00:00.000Z',
        tokenExpiresAt: null,
        executor: 'docker',
        limit: 2,
        requestConcurrency: null,
        executorSettings: {
          builds_dir: value,
          environment: [`A=${value}`, value],
          docker: { image: value, volumes: [value, '/cache'], extra: { [value]: { type: 'string', value } } },
        },
      },
    ],
  });
  for (const injection of INJECTIONS) {
    const wellFormed = !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(
      injection.value,
    );
    it(`${injection.name}: ${wellFormed ? 'parses back to the same structure' : 'is refused'}`, () => {
      const m = model(injection.value);
      const token = () => `glrt-${injection.name.length}`;
      if (!wellFormed) {
        expect(() => renderConfigToml(m, token)).toThrow(RenderError);
        return;
      }
      const parsed = parseRunnerConfig(renderConfigToml(m, token));
      expect(parsed.ok && parsed.config).toEqual(toRunnerConfig(m, token));
    });
  }
});

describe('TOML injection through runner registration', () => {
  for (const { field, injection } of injectionCases) {
    it(`${field.name} ← ${injection.name}`, async () => {
      const machine = await factories(ctx.db, ctx.secrets).machine();
      const body = {
        gitlabInstanceId: SEED.gitlabInstanceId,
        runnerType: 'instance_type',
        runUntagged: true,
        ...field.body(injection.value),
        machines: { ids: [machine.id] },
      };
      const before = await fingerprint(ctx.db);
      const res = await send({ method: 'POST', url: '/api/v1/runners', json: body });
      if (injection.unstorable) {
        expectProblem(res, { status: 400, code: 'validation_failed', path: 'body' });
        await expectUnchanged(before);
        return;
      }
      expect(res.statusCode, res.body).toBe(201);
      const { runner } = res.json() as { runner: { gitlabRunnerId: number } };
      const revisions = await ctx.app.inject({
        method: 'GET',
        url: `/api/v1/machines/${machine.id}/revisions`,
      });
      const [newest] = revisions.json().items as Array<{ number: number }>;
      const detail = await ctx.app.inject({
        method: 'GET',
        url: `/api/v1/machines/${machine.id}/revisions/${newest!.number}`,
      });
      expect(detail.statusCode, detail.body).toBe(200);
      const parsed = parseRunnerConfig(detail.json().config as string);
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      if (!parsed.ok) return;
      const config = parsed.config as Record<string, unknown>;
      expect(Object.keys(config).sort()).toEqual(['concurrent', 'listen_address', 'runners']);
      expect(config.runners).toHaveLength(1);
      const entry = (config.runners as Array<Record<string, unknown>>)[0]!;
      expect(Object.keys(entry).sort()).toEqual([...PADDOCK_RUNNER_KEYS, ...field.keys].sort());
      expect(entry.id).toBe(runner.gitlabRunnerId);
      expect(entry.executor).toBe(field.executor);
      expect(field.read(entry)).toEqual(field.stored(injection.value));
    });
  }
});

describe('after everything', () => {
  it('the process still answers', async () => {
    const health = await ctx.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { authorization: null } as unknown as Record<string, string>,
    });
    expect(health.statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/runners' })).statusCode).toBe(200);
  });
});
