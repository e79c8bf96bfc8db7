import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitlabSimulator } from '@paddock/gitlab-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../lib/secrets.js';
import { gitlabClients, type GitlabClientOptions } from './client.js';
import {
  GitlabRateLimitedError,
  GitlabRejectedError,
  GitlabTokenError,
  GitlabUnreachableError,
} from './errors.js';
import { retryAfterMs } from './transport.js';

const secrets = createSecretBox(randomBytes(32));
const sim = new GitlabSimulator({ seed: 7 });
let url: string;
let waits: number[];

function clients(options: Partial<GitlabClientOptions> = {}) {
  return gitlabClients({
    secrets,
    options: {
      concurrency: 4,
      timeoutMs: 5_000,
      maxRetries: 3,
      maxRetryWaitMs: 60_000,
      // Retry-After is honoured by asking for a pause; the test records it instead of waiting.
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...options,
    },
  });
}

const adminClient = (options: Partial<GitlabClientOptions> = {}) =>
  clients(options).gitlabClientFor({
    url,
    accessTokenCiphertext: secrets.encrypt(sim.adminToken, 'gitlab-access-token'),
  });

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  url = await sim.listen();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.faults.clear();
  sim.requests.reset();
  waits = [];
});

describe('GitLab client against the simulator', () => {
  it('creates, reads, resets and deletes a runner', async () => {
    const client = adminClient();
    const created = await client.createRunner({
      runnerType: 'instance_type',
      description: 'docker linux',
      tagList: ['docker', 'linux'],
      runUntagged: false,
      locked: true,
      paused: true,
      accessLevel: 'ref_protected',
      maximumTimeout: 3600,
      maintenanceNote: 'made by a test',
    });
    expect(created.token).toMatch(/^glrt-t1_/);

    const details = await client.runner(created.id);
    expect(details).toMatchObject({
      id: created.id,
      description: 'docker linux',
      runner_type: 'instance_type',
      tag_list: ['docker', 'linux'],
      run_untagged: false,
      locked: true,
      paused: true,
      access_level: 'ref_protected',
      maximum_timeout: 3600,
      maintenance_note: 'made by a test',
    });
    expect(await client.runnerManagers(created.id)).toEqual([]);

    const reset = await client.resetRunnerToken(created.id);
    expect(reset.token).toMatch(/^glrt-t1_/);
    expect(reset.token).not.toBe(created.token);

    await client.deleteRunner(created.id);
    const gone = await failure(client.runner(created.id));
    expect(gone).toBeInstanceOf(GitlabRejectedError);
    expect(gone).toMatchObject({ status: 422, gitlabStatus: 404, gitlabMessage: '404 Runner Not Found' });
    expect(sim.requests.counts()).toMatchObject({
      'POST /user/runners': 1,
      'GET /runners/:id': 2,
      'GET /runners/:id/managers': 1,
      'POST /runners/:id/reset_authentication_token': 1,
      'DELETE /runners/:id': 1,
    });
  });

  it('reads the version and its own access token', async () => {
    const client = adminClient();
    expect((await client.version()).version).toMatch(/^\d+\.\d+/);
    expect(await client.currentToken()).toMatchObject({ scopes: ['api'], active: true, revoked: false });
  });
});

describe("GitLab's error shapes", () => {
  it('keeps field errors of {"message": {field: [...]}}', async () => {
    const error = await failure(
      adminClient().createRunner({ runnerType: 'instance_type', maximumTimeout: 60 }),
    );
    expect(error).toBeInstanceOf(GitlabRejectedError);
    const rejected = error as GitlabRejectedError;
    expect(rejected.gitlabFields).toEqual({ maximum_timeout: ['needs to be at least 10 minutes'] });
    expect(rejected.detail).toBe(
      'GitLab refused the request: maximum_timeout needs to be at least 10 minutes',
    );
    expect(rejected.withPaths((f) => `body.${f}`).errors).toEqual([
      { path: 'body.maximum_timeout', message: 'needs to be at least 10 minutes', code: 'gitlab_rejected' },
    ]);
  });

  it('reads {"message": "..."} and {"error": "..."}', async () => {
    const scope = await failure(adminClient().createRunner({ runnerType: 'group_type', groupId: 999_999 }));
    expect(scope).toMatchObject({
      gitlabStatus: 400,
      gitlabMessage: '400 Bad request - Missing/invalid scope',
    });
    const param = await failure(
      adminClient().createRunner({ runnerType: 'cluster_type' as unknown as 'instance_type' }),
    );
    expect(param).toMatchObject({
      gitlabStatus: 400,
      gitlabMessage: 'runner_type does not have a valid value',
    });
  });

  it('names the token problem on 401 and 403, without the token', async () => {
    const cases = [
      { token: 'glpat-NotAKnownToken0000', reason: 'invalid' },
      { token: sim.createAccessToken({ expiresAt: '2020-01-01' }).token, reason: 'expired' },
      {
        token: (() => {
          const t = sim.createAccessToken();
          sim.accessTokens.revoke(t.token);
          return t.token;
        })(),
        reason: 'revoked',
      },
      { token: sim.createAccessToken({ scopes: ['read_api'] }).token, reason: 'scope' },
      {
        token: sim.createAccessToken({ userId: sim.createUser('dev').id, scopes: ['api'] }).token,
        reason: 'permission',
      },
    ] as const;
    for (const c of cases) {
      const client = clients().gitlabClientWithToken(url, c.token);
      const error = await failure(client.createRunner({ runnerType: 'instance_type' }));
      expect(error, c.reason).toBeInstanceOf(GitlabTokenError);
      expect((error as GitlabTokenError).reason).toBe(c.reason);
      expect((error as GitlabTokenError).status).toBe(422);
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(c.token);
    }
  });
});

describe('limits and failures', () => {
  it('honours Retry-After on 429 and then succeeds', async () => {
    sim.faults.rateLimitNext(2, 7, { route: 'GET /version' });
    await adminClient().version();
    expect(waits).toEqual([7000, 7000]);
    expect(sim.requests.count('GET /version')).toBe(3);
  });

  it('gives up after the configured retries', async () => {
    sim.faults.rateLimitNext(5, 1, { route: 'GET /version' });
    const error = await failure(adminClient({ maxRetries: 2 }).version());
    expect(error).toBeInstanceOf(GitlabRateLimitedError);
    expect(error).toMatchObject({ status: 503, code: 'rate_limited', retryAfterSeconds: 1 });
    expect(sim.requests.count('GET /version')).toBe(3);
    expect(waits).toEqual([1000, 1000]);
  });

  it('does not wait when GitLab asks for longer than the longest wait', async () => {
    sim.faults.rateLimitNext(1, 3600, { route: 'GET /version' });
    const error = await failure(adminClient({ maxRetryWaitMs: 60_000 }).version());
    expect(error).toBeInstanceOf(GitlabRateLimitedError);
    expect(waits).toEqual([]);
    expect(sim.requests.count('GET /version')).toBe(1);
  });

  it('reports a 5xx as unreachable, once', async () => {
    sim.faults.failNext(1, 503, { route: 'POST /user/runners' });
    const error = await failure(adminClient().createRunner({ runnerType: 'instance_type' }));
    expect(error).toBeInstanceOf(GitlabUnreachableError);
    expect(error).toMatchObject({ status: 502, code: 'gitlab_unreachable' });
    expect(error.message).toContain('503 Service Unavailable');
    expect(sim.requests.count('POST /user/runners')).toBe(1);
  });

  it('reports a closed port as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      clients().gitlabClientWithToken(`http://127.0.0.1:${port}`, 'glpat-x').version(),
    );
    expect(error).toBeInstanceOf(GitlabUnreachableError);
    expect(error.message).toMatch(/could not be reached \(ECONNREFUSED\)/);
  });

  it('times out a GitLab that does not answer', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const error = await failure(
        clients({ timeoutMs: 200 }).gitlabClientWithToken(silentUrl, 'glpat-x').version(),
      );
      expect(error).toBeInstanceOf(GitlabUnreachableError);
      expect(error.message).toContain('did not answer GET /version within 200 ms');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses to follow a redirect', async () => {
    const redirecting = createServer((_req, res) => {
      res.writeHead(302, { location: 'https://elsewhere.example.com/api/v4/version' }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const from = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      const error = await failure(clients().gitlabClientWithToken(from, 'glpat-x').version());
      expect(error).toBeInstanceOf(GitlabRejectedError);
      expect(error.message).toContain('redirects GET /version to https://elsewhere.example.com');
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it('keeps at most `concurrency` requests in flight per GitLab, across clients', async () => {
    let inFlight = 0;
    let most = 0;
    const held: Array<() => void> = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => held.push(resolve));
      try {
        return await globalThis.fetch(input, init);
      } finally {
        inFlight -= 1;
      }
    };
    const factory = clients({ concurrency: 2, fetch });
    const byInstance = factory.gitlabClientFor({
      url,
      accessTokenCiphertext: secrets.encrypt(sim.adminToken, 'gitlab-access-token'),
    });
    const byToken = factory.gitlabClientWithToken(`${url}/`, sim.adminToken);
    const calls = [byInstance, byToken, byInstance, byToken, byInstance].map((c) => c.version());

    let released = 0;
    while (released < calls.length) {
      await vi.waitFor(() => expect(held.length).toBeGreaterThan(0));
      // Give any request that could slip past the limit the chance to reach fetch before counting.
      await new Promise((resolve) => setImmediate(resolve));
      expect(inFlight).toBeLessThanOrEqual(2);
      held.shift()!();
      released += 1;
    }
    await Promise.all(calls);
    expect(most).toBe(2);
    expect(sim.requests.count('GET /version')).toBe(5);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Sun, 01 Mar 2026 12:00:45 GMT', now)).toBe(45_000);
    expect(retryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
