// Authentication and scopes (doc/api/rest/authentication.md, doc/api/personal_access_tokens.md, doc/api/version.md).
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
  sim = new GitlabSimulator({ adminToken: ADMIN, clock, version: '18.3.1', revision: 'abc123' });
  await sim.listen();
  api = new GitlabApiClient(sim.url, ADMIN);
});
afterEach(() => sim.close());

describe('tokens', () => {
  it('answers 401 {"message": "401 Unauthorized"} without a token or with an unknown one', async () => {
    for (const token of [null, 'glpat-nope']) {
      const res = await api.get('/version', { token });
      expect(res.status).toBe(401);
      expect(res.json()).toEqual({ message: '401 Unauthorized' });
    }
  });

  it('accepts PRIVATE-TOKEN, Authorization: Bearer and private_token', async () => {
    expect((await api.get('/version')).status).toBe(200);
    const bearer = await api.get('/version', { token: null, headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(bearer.status).toBe(200);
    expect((await api.get(`/version?private_token=${ADMIN}`, { token: null })).status).toBe(200);
  });

  it('answers an expired token with OAuth invalid_token and WWW-Authenticate', async () => {
    const { token } = sim.createAccessToken({ expiresAt: '2026-03-02' });
    expect((await api.get('/version', { token })).status).toBe(200);
    clock.advance(14 * 60 * 60 * 1000);
    const res = await api.get('/version', { token });
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Token is expired. You can either do re-authorization or token refresh.',
    });
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="Protected by OAuth 2.0", error="invalid_token"/,
    );
  });

  it('answers a revoked token with invalid_token', async () => {
    const { token } = sim.createAccessToken();
    sim.accessTokens.revoke(token);
    const res = await api.get('/version', { token });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'Token was revoked. You have to re-authorize from the user.',
    });
  });

  it('lets read_api read but not write (403 insufficient_scope)', async () => {
    const { token } = sim.createAccessToken({ scopes: ['read_api'] });
    expect((await api.get('/runners/all', { token })).status).toBe(200);
    const res = await api.post('/user/runners', { runner_type: 'instance_type' }, { token });
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token.',
      scope: 'api create_runner',
    });
  });

  it('lets create_runner create runners and manage_runner manage one, nothing more', async () => {
    const creator = sim.createAccessToken({ scopes: ['create_runner'] }).token;
    const created = await api.post('/user/runners', { runner_type: 'instance_type' }, { token: creator });
    expect(created.status).toBe(201);
    expect((await api.get('/runners/all', { token: creator })).status).toBe(403);
    const manager = sim.createAccessToken({ scopes: ['manage_runner'] }).token;
    const id = created.json<{ id: number }>().id;
    expect((await api.get(`/runners/${id}`, { token: manager })).status).toBe(200);
    expect((await api.put(`/runners/${id}`, { paused: true }, { token: manager })).status).toBe(200);
    expect((await api.get('/runners/all', { token: manager })).status).toBe(403);
  });
});

describe('GET /personal_access_tokens/self', () => {
  it("describes the request's own token", async () => {
    const record = sim.createAccessToken({
      name: 'paddock',
      scopes: ['read_api', 'create_runner'],
      expiresAt: '2026-06-01',
      description: 'sync',
    });
    const res = await api.get('/personal_access_tokens/self', { token: record.token });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      id: record.id,
      name: 'paddock',
      revoked: false,
      created_at: '2026-03-01T10:00:00.000Z',
      description: 'sync',
      scopes: ['read_api', 'create_runner'],
      user_id: sim.admin.id,
      last_used_at: '2026-03-01T10:00:00.000Z',
      active: true,
      expires_at: '2026-06-01',
    });
  });
});

describe('GET /version', () => {
  it('reports version, revision, kas and enterprise', async () => {
    const res = await api.get('/version');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.json()).toEqual({
      version: '18.3.1',
      revision: 'abc123',
      kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
      enterprise: false,
    });
  });
});

describe('unknown routes', () => {
  it('answer 404 {"error": "404 Not Found"}', async () => {
    const res = await api.get('/nothing/here');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: '404 Not Found' });
  });
});
