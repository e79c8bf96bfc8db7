// Injected failures and request counting.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitlabApiClient } from './api-client.js';
import { manualClock, type ManualClock } from './clock.js';
import { GitlabSimulator } from './simulator.js';

const ADMIN = 'glpat-admin-token-0000000';
let sim: GitlabSimulator;
let api: GitlabApiClient;
let clock: ManualClock;

beforeEach(async () => {
  clock = manualClock(new Date('2026-03-01T10:00:00Z'));
  sim = new GitlabSimulator({ adminToken: ADMIN, clock });
  await sim.listen();
  api = new GitlabApiClient(sim.url, ADMIN);
});
afterEach(() => sim.close());

describe('faults', () => {
  it('fails the next n requests with the given 5xx, then recovers', async () => {
    sim.faults.failNext(2, 503);
    const first = await api.get('/version');
    expect(first.status).toBe(503);
    expect(first.json()).toEqual({ message: '503 Service Unavailable' });
    expect((await api.get('/version')).status).toBe(503);
    expect((await api.get('/version')).status).toBe(200);
  });

  it('can aim at one route', async () => {
    sim.faults.failNext(1, 500, { route: 'GET /runners/all' });
    expect((await api.get('/version')).status).toBe(200);
    const hit = await api.get('/runners/all');
    expect(hit.status).toBe(500);
    expect(hit.json()).toEqual({ message: '500 Internal Server Error' });
    expect((await api.get('/runners/all')).status).toBe(200);
  });

  it('throttles like Rack::Attack: 429, Retry-After, RateLimit headers, "Retry later"', async () => {
    sim.faults.rateLimitNext(1, 17);
    const res = await api.get('/version');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('17');
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
    expect(res.headers.get('ratelimit-name')).toBe('throttle_authenticated_api');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toBe('Retry later\n');
    expect((await api.get('/version')).status).toBe(200);
  });

  it('enforces a rate limit window and tells how long to wait', async () => {
    sim.faults.rateLimit({ limit: 2, periodSeconds: 60 });
    expect((await api.get('/version')).status).toBe(200);
    clock.advance(15_000);
    expect((await api.get('/version')).status).toBe(200);
    const limited = await api.get('/version');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('45');
    expect(limited.headers.get('ratelimit-limit')).toBe('2');
    expect(limited.headers.get('ratelimit-observed')).toBe('3');
    expect(limited.headers.get('ratelimit-reset')).toBe(String(Date.parse('2026-03-01T10:01:00Z') / 1000));
    clock.advance(45_000);
    expect((await api.get('/version')).status).toBe(200);
    sim.faults.clear();
    for (let i = 0; i < 3; i++) expect((await api.get('/version')).status).toBe(200);
  });

  it('rejects nonsense settings', () => {
    expect(() => sim.faults.failNext(0)).toThrow(/count/);
    expect(() => sim.faults.failNext(1, 404)).toThrow(/5xx/);
    expect(() => sim.faults.rateLimit({ limit: 0, periodSeconds: 1 })).toThrow(/limit/);
  });
});

describe('request counting', () => {
  it('counts every request under its route pattern, faulted ones included', async () => {
    sim.faults.failNext(1, 502);
    await api.get('/runners/all');
    await api.get('/runners/all?type=group_type');
    await api.get('/runners/17');
    await api.get('/runners/18');
    await api.post('/jobs/request', { token: 'x' }, { token: null });
    expect(sim.requests.count('GET /runners/all')).toBe(2);
    expect(sim.requests.count('GET /runners/:id')).toBe(2);
    expect(sim.requests.count('POST /jobs/request')).toBe(1);
    expect(sim.requests.count()).toBe(5);
    expect(sim.requests.list().map((r) => r.status)).toEqual([502, 200, 404, 404, 403]);
    expect(sim.requests.counts()).toEqual({
      'GET /runners/all': 2,
      'GET /runners/:id': 2,
      'POST /jobs/request': 1,
    });
    sim.requests.reset();
    expect(sim.requests.count()).toBe(0);
  });
});
