/**
 * GET /metrics on a real database: who may read it, that each metric is there, and that the figures follow what
 * happens (an agent connecting and applying a revision, a rollout, GitLab rate limiting a sync, a browser on /live,
 * HTTP requests by route template). Two apps in one process keep their own figures.
 */
import {
  encodeMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
  type AgentMessage,
  type ServerMessage,
} from '@paddock/protocol';
import { GitlabSimulator } from '@paddock/gitlab-sim';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { buildApp, type App } from '../app.js';
import { generateToken, hashToken, tokenPrefix } from '../lib/tokens.js';
import { createTestUser } from '../../test/support/auth.js';
import { factories } from '../../test/support/factories.js';
import { parseScrape, sampleValue, type Scrape } from '../../test/support/prometheus-text.js';
import { testEnv, useTestApp } from '../../test/support/test-db.js';
import { cachedReading } from './metrics.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
// No waiting on Retry-After: a 429 fails the request at once.
const ctx = useTestApp({ env: { PADDOCK_METRICS_TOKEN: METRICS_TOKEN, PADDOCK_GITLAB_MAX_RETRIES: '0' } });
let base: string;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  base = (await ctx.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function scrape(app: App = ctx.app): Promise<Scrape> {
  const res = await app.inject({
    url: '/metrics',
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(res.statusCode, res.body).toBe(200);
  return parseScrape(res.body);
}

/** Opens a websocket and collects what the server sends. */
async function socket(url: string, bearer: string) {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${bearer}` } });
  const received: unknown[] = [];
  ws.on('message', (data) => received.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  closers.push(async () => ws.close());
  return { ws, received };
}

async function enrolledMachine(systemId: string) {
  const token = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/enrollment-tokens',
    payload: { name: `metrics ${systemId}`, maxUses: 1 },
  });
  expect(token.statusCode, token.body).toBe(201);
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/agent/enroll',
    payload: { token: token.json().token, hostname: 'metrics-1', systemId, os: 'linux', arch: 'x64' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { machineId: string; credential: string };
}

describe('GET /metrics access', () => {
  const get = (authorization: string | null) =>
    ctx.app.inject({ url: '/metrics', headers: { authorization } as Record<string, string> });

  it('answers the scrape token and signed-in callers, and nobody else', async () => {
    const anonymous = await get(null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await get(`Bearer ${METRICS_TOKEN}x`)).statusCode).toBe(401);
    expect((await get(`Bearer ${'x'.repeat(METRICS_TOKEN.length)}`)).statusCode).toBe(401);
    expect((await get('Bearer')).statusCode).toBe(401);

    const ok = await get(`Bearer ${METRICS_TOKEN}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);

    const viewer = await createTestUser(ctx.db.prisma, 'viewer', { scope: 'read' });
    expect((await get(viewer.bearer)).statusCode).toBe(200);

    const display = generateToken('display');
    await ctx.db.prisma.displayToken.create({
      data: { name: 'wall', tokenHash: hashToken(display), prefix: tokenPrefix(display) },
    });
    expect((await get(`Bearer ${display}`)).statusCode).toBe(403);
  });

  it('answers only signed-in callers when no scrape token is configured', async () => {
    const app = await buildApp({ env: testEnv(), db: ctx.db, secrets: ctx.secrets, logger: false });
    closers.push(() => app.close());
    const anyToken = await app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(anyToken.statusCode).toBe(401);
    const admin = await app.inject({ url: '/metrics', headers: { authorization: ctx.admin.bearer } });
    expect(admin.statusCode).toBe(200);
  });
});

describe('GET /metrics content', () => {
  it('declares every metric, with its type', async () => {
    const { types } = await scrape();
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('paddock_')))).toMatchObject({
      paddock_agents_connected: 'gauge',
      paddock_agent_refusals_total: 'counter',
      paddock_rollouts_total: 'counter',
      paddock_revisions_recorded_total: 'counter',
      paddock_revision_apply_latency_seconds: 'histogram',
      paddock_machines_drifted: 'gauge',
      paddock_gitlab_requests_total: 'counter',
      paddock_gitlab_sync_duration_seconds: 'histogram',
      paddock_live_clients: 'gauge',
      paddock_live_subscriptions: 'gauge',
      paddock_trace_pollers: 'gauge',
      paddock_http_request_duration_seconds: 'histogram',
      paddock_build_info: 'gauge',
      paddock_process_cpu_seconds_total: 'counter',
      paddock_process_start_time_seconds: 'gauge',
      paddock_process_resident_memory_bytes: 'gauge',
      paddock_nodejs_heap_used_bytes: 'gauge',
      paddock_nodejs_heap_total_bytes: 'gauge',
      paddock_nodejs_active_resources: 'gauge',
      paddock_nodejs_eventloop_lag_p50_seconds: 'gauge',
      paddock_nodejs_eventloop_lag_p99_seconds: 'gauge',
      paddock_nodejs_eventloop_lag_max_seconds: 'gauge',
    });
  });

  it('reads process figures', async () => {
    const s = await scrape();
    expect(sampleValue(s, 'paddock_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(s, 'paddock_process_resident_memory_bytes')).toBeGreaterThan(1024 * 1024);
    expect(sampleValue(s, 'paddock_nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0);
  });
});

describe('figures that follow what happens', () => {
  it('counts a connected agent, the rollout it is sent and how long it took to apply', async () => {
    const before = await scrape();
    const { machineId, credential } = await enrolledMachine('s_metrics00001');
    await ctx.app.revisions.sync([machineId], 'metrics test', { type: 'user', id: null });
    const afterRollout = await scrape();
    expect(sampleValue(afterRollout, 'paddock_rollouts_total', { actor: 'user' })).toBe(
      sampleValue(before, 'paddock_rollouts_total', { actor: 'user' })! + 1,
    );
    expect(sampleValue(afterRollout, 'paddock_revisions_recorded_total')).toBe(
      sampleValue(before, 'paddock_revisions_recorded_total')! + 1,
    );
    expect(sampleValue(afterRollout, 'paddock_agents_connected')).toBe(0);

    const agent = await socket(`${base}/agent`, credential);
    const hello: AgentMessage = {
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      agentVersion: '0.1.0',
      systemId: 's_metrics00001',
      hostname: 'metrics-1',
      os: 'linux',
      arch: 'x64',
      runnerVersion: null,
      applied: null,
      diskSha256: null,
    };
    agent.ws.send(encodeMessage(hello));
    const messages = () =>
      agent.received.flatMap((m) => {
        const parsed = parseServerMessage(JSON.stringify(m));
        return parsed.ok ? [parsed.message] : [];
      });
    const apply = await vi.waitFor(() => {
      const found = messages().find(
        (m): m is Extract<ServerMessage, { type: 'apply' }> => m.type === 'apply',
      );
      if (!found) throw new Error('no apply yet');
      return found;
    });
    expect(sampleValue(await scrape(), 'paddock_agents_connected')).toBe(1);

    agent.ws.send(
      encodeMessage({ type: 'applied', revision: apply.revision, sha256: apply.sha256, written: true }),
    );
    await vi.waitFor(async () => {
      const row = await ctx.db.prisma.configRevision.findUniqueOrThrow({
        where: { machineId_number: { machineId, number: apply.revision } },
      });
      expect(row.status).toBe('applied');
    });
    const applied = await scrape();
    expect(sampleValue(applied, 'paddock_revision_apply_latency_seconds_count')).toBe(
      (sampleValue(before, 'paddock_revision_apply_latency_seconds_count') ?? 0) + 1,
    );
    // The latency is under the largest finite bucket: it was measured, not defaulted to something huge.
    expect(sampleValue(applied, 'paddock_revision_apply_latency_seconds_bucket', { le: '3600' })).toBe(
      sampleValue(applied, 'paddock_revision_apply_latency_seconds_count'),
    );

    agent.ws.close();
    await vi.waitFor(() => expect(ctx.app.agentGateway.sessions.has(machineId)).toBe(false));
    expect(sampleValue(await scrape(), 'paddock_agents_connected')).toBe(0);
  });

  it('counts drifted machines from the database', async () => {
    // A fresh app: its cached count is not yet read.
    const f = factories(ctx.db, ctx.secrets);
    await f.machine({ driftSha256: 'a'.repeat(64), driftKeys: ['concurrent'] });
    await f.machine({ driftSha256: 'b'.repeat(64), driftKeys: ['check_interval'] });
    await f.machine();
    const expected = await ctx.db.prisma.machine.count({ where: { driftSha256: { not: null } } });
    const app = await buildApp({
      env: testEnv({ PADDOCK_METRICS_TOKEN: METRICS_TOKEN }),
      db: ctx.db,
      secrets: ctx.secrets,
      logger: false,
    });
    closers.push(() => app.close());
    expect(expected).toBeGreaterThanOrEqual(2);
    expect(sampleValue(await scrape(app), 'paddock_machines_drifted')).toBe(expected);
  });

  it('counts GitLab requests by outcome, 429s included, and times the sync run', async () => {
    const adminToken = 'glpat-MetricsTestToken12';
    const sim = new GitlabSimulator({ adminToken });
    const url = await sim.listen();
    closers.push(() => sim.close());
    const f = factories(ctx.db, ctx.secrets);
    const instance = await f.gitlabInstance({
      url,
      accessTokenCiphertext: ctx.secrets.encrypt(adminToken, 'gitlab-access-token'),
    });
    // A runner Paddock knows: after listing runners, the run reads its managers.
    const known = sim.runners.create(sim.admin, { runnerType: 'instance_type' });
    await f.runner(instance.id, { gitlabRunnerId: known.id });
    // One request an hour: the second request of the run is answered 429.
    sim.faults.rateLimit({ limit: 1, periodSeconds: 3600 });
    const before = await scrape();

    const outcome = await ctx.app.gitlabSync.syncInstance(instance.id);
    expect(outcome.status === 'done' && outcome.run.error).toMatch(/rate limiting/);

    const after = await scrape();
    const delta = (outcome: string) =>
      sampleValue(after, 'paddock_gitlab_requests_total', { outcome })! -
      sampleValue(before, 'paddock_gitlab_requests_total', { outcome })!;
    expect(delta('rate_limited')).toBe(1);
    expect(delta('ok')).toBe(1);
    expect(delta('server_error')).toBe(0);
    expect(
      sampleValue(after, 'paddock_gitlab_sync_duration_seconds_count', { result: 'failed' })! -
        sampleValue(before, 'paddock_gitlab_sync_duration_seconds_count', { result: 'failed' })!,
    ).toBe(1);
  });

  it('counts /live clients and their subscriptions', async () => {
    const live = await socket(`${base}/live`, ctx.admin.bearer.replace(/^Bearer /, ''));
    await vi.waitFor(() => expect(live.received).toContainEqual({ type: 'ready' }));
    live.ws.send(JSON.stringify({ type: 'subscribe', topic: 'machines' }));
    live.ws.send(JSON.stringify({ type: 'subscribe', topic: 'fleet' }));
    await vi.waitFor(() =>
      expect(live.received.filter((m) => (m as { type: string }).type === 'subscribed')).toHaveLength(2),
    );
    const s = await scrape();
    expect(sampleValue(s, 'paddock_live_clients')).toBe(1);
    expect(sampleValue(s, 'paddock_live_subscriptions')).toBe(2);
    expect(sampleValue(s, 'paddock_trace_pollers')).toBe(0);

    live.ws.close();
    await vi.waitFor(() => expect(ctx.app.liveHub.clientCount).toBe(0));
    expect(sampleValue(await scrape(), 'paddock_live_subscriptions')).toBe(0);
  });

  it('times HTTP requests by route template and status class', async () => {
    const id = '01930000-0000-7000-8000-0000000000aa';
    const before = await scrape();
    expect((await ctx.app.inject(`/api/v1/machines/${id}`)).statusCode).toBe(404);
    expect((await ctx.app.inject('/no/such/page/at/all')).statusCode).toBe(404);
    expect((await ctx.app.inject('/healthz')).statusCode).toBe(200);
    const after = await scrape();
    const count = (s: Scrape, labels: Record<string, string>) =>
      sampleValue(s, 'paddock_http_request_duration_seconds_count', labels) ?? 0;
    const machine = { method: 'GET', route: '/api/v1/machines/:id', status_class: '4xx' };
    expect(count(after, machine) - count(before, machine)).toBe(1);
    const health = { method: 'GET', route: '/healthz', status_class: '2xx' };
    expect(count(after, health) - count(before, health)).toBe(1);
    const unmatched = { method: 'GET', route: 'unmatched', status_class: '4xx' };
    expect(count(after, unmatched) - count(before, unmatched)).toBe(1);
    // No series carries a raw URL.
    const routes = new Set(after.samples.map((s) => s.labels.route).filter(Boolean));
    expect([...routes].filter((r) => r!.includes(id) || r!.includes('/no/such'))).toEqual([]);
  });

  it('keeps two apps in one process apart', async () => {
    const other = await buildApp({
      env: testEnv({ PADDOCK_METRICS_TOKEN: METRICS_TOKEN }),
      db: ctx.db,
      secrets: ctx.secrets,
      logger: false,
    });
    closers.push(() => other.close());
    const health = { method: 'GET', route: '/healthz', status_class: '2xx' };
    const before = sampleValue(await scrape(), 'paddock_http_request_duration_seconds_count', health) ?? 0;
    for (let i = 0; i < 3; i++) await ctx.app.inject('/healthz');
    const mine = await scrape();
    const theirs = await scrape(other);
    expect(sampleValue(mine, 'paddock_http_request_duration_seconds_count', health)).toBe(before + 3);
    expect(sampleValue(theirs, 'paddock_http_request_duration_seconds_count', health)).toBeUndefined();
    expect(sampleValue(theirs, 'paddock_rollouts_total', { actor: 'user' })).toBe(0);
    expect(sampleValue(mine, 'paddock_rollouts_total', { actor: 'user' })).toBeGreaterThan(0);
  });
});

describe('cachedReading', () => {
  it('reuses a reading for its time to live, shares one read between callers, and retries a failure', async () => {
    let clock = 0;
    let reads = 0;
    let fail = false;
    const read = cachedReading(
      async () => {
        reads++;
        if (fail) throw new Error('database down');
        return reads * 10;
      },
      5_000,
      () => clock,
    );
    expect(await Promise.all([read(), read()])).toEqual([10, 10]);
    expect(reads).toBe(1);
    clock = 4_999;
    expect(await read()).toBe(10);
    clock = 5_000;
    expect(await read()).toBe(20);
    clock = 20_000;
    fail = true;
    await expect(read()).rejects.toThrow('database down');
    fail = false;
    expect(await read()).toBe(40);
    expect(reads).toBe(4);
  });
});
