import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitlabSimulator } from '@paddock/gitlab-sim';
import type { InjectOptions } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseFingerprint, useTestApp } from '../../../test/support/test-db.js';

const ctx = useTestApp();
const TOKEN = 'glpat-Zx8vQ2mN4pL6rT9yW1cK';
const NEW_TOKEN = 'glpat-NewTokenValue9876';

const sims: GitlabSimulator[] = [];
afterAll(() => Promise.all(sims.map((s) => s.close())));

/** A GitLab of its own (instance URLs are unique), knowing TOKEN and NEW_TOKEN as administrator tokens. */
async function gitlab(options: { version?: string } = {}) {
  const sim = new GitlabSimulator({ seed: sims.length + 1, ...options });
  sims.push(sim);
  sim.createAccessToken({ token: TOKEN, name: 'paddock' });
  sim.createAccessToken({ token: NEW_TOKEN, name: 'paddock-new' });
  return { sim, url: await sim.listen() };
}

async function create(body: Record<string, unknown>) {
  return ctx.app.inject({ method: 'POST', url: '/api/v1/gitlab-instances', payload: body });
}

describe('GitLab instances', () => {
  it('are created, listed, read, updated and deleted; the token never comes back', async () => {
    const { url } = await gitlab({ version: '18.4.1-ee' });
    const created = await create({ name: 'Main', url: `${url}/`, accessToken: TOKEN });
    expect(created.statusCode).toBe(201);
    const instance = created.json();
    expect(instance).toMatchObject({
      name: 'Main',
      url,
      accessTokenLast4: 'W1cK',
      version: '18.4.1-ee',
    });
    expect(created.body).not.toContain(TOKEN);

    const stored = await ctx.db.prisma.gitlabInstance.findUniqueOrThrow({ where: { id: instance.id } });
    expect(stored.accessTokenCiphertext).not.toContain(TOKEN);
    expect(ctx.secrets.decrypt(stored.accessTokenCiphertext, 'gitlab-access-token')).toBe(TOKEN);

    const list = await ctx.app.inject('/api/v1/gitlab-instances');
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(instance.id);
    expect(list.body).not.toContain(TOKEN);

    const updated = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/gitlab-instances/${instance.id}`,
      payload: { accessToken: NEW_TOKEN },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'Main', accessTokenLast4: '9876' });

    const got = await ctx.app.inject(`/api/v1/gitlab-instances/${instance.id}`);
    expect(got.json().accessTokenLast4).toBe('9876');

    const deleted = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/v1/gitlab-instances/${instance.id}`,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await ctx.app.inject(`/api/v1/gitlab-instances/${instance.id}`)).statusCode).toBe(404);
  });

  it('refuse to delete an instance that still has runners', async () => {
    const { url } = await gitlab();
    const instance = (await create({ name: 'Busy', url, accessToken: TOKEN })).json();
    await ctx.db.prisma.runner.create({
      data: { gitlabInstanceId: instance.id, gitlabRunnerId: 1, runnerType: 'instance_type' },
    });
    const res = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/gitlab-instances/${instance.id}` });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'conflict', detail: expect.stringMatching(/1 runner/) });
  });
});

describe('bad input to GitLab instances is refused and stores nothing', () => {
  const valid = { name: 'Valid', url: 'https://valid.example.com', accessToken: TOKEN };
  const cases: Array<{ name: string; request: InjectOptions; status: number; path?: string }> = [
    {
      name: 'malformed JSON',
      request: {
        method: 'POST',
        url: '/api/v1/gitlab-instances',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":',
      },
      status: 400,
      path: 'body',
    },
    {
      name: 'wrong type',
      request: { method: 'POST', url: '/api/v1/gitlab-instances', payload: { ...valid, name: 42 } },
      status: 400,
      path: 'body.name',
    },
    {
      name: 'missing field',
      request: { method: 'POST', url: '/api/v1/gitlab-instances', payload: { name: 'x', url: valid.url } },
      status: 400,
      path: 'body.accessToken',
    },
    {
      name: 'unknown field',
      request: { method: 'POST', url: '/api/v1/gitlab-instances', payload: { ...valid, admin: true } },
      status: 400,
      path: 'body.admin',
    },
    {
      name: 'over-long name',
      request: {
        method: 'POST',
        url: '/api/v1/gitlab-instances',
        payload: { ...valid, name: 'n'.repeat(101) },
      },
      status: 400,
      path: 'body.name',
    },
    {
      name: 'not an http URL',
      request: {
        method: 'POST',
        url: '/api/v1/gitlab-instances',
        payload: { ...valid, url: 'javascript:alert(1)' },
      },
      status: 400,
      path: 'body.url',
    },
    {
      name: 'URL with credentials',
      request: {
        method: 'POST',
        url: '/api/v1/gitlab-instances',
        payload: { ...valid, url: 'https://u:p@gitlab.example.com' },
      },
      status: 400,
      path: 'body.url',
    },
    {
      name: 'token with a newline',
      request: {
        method: 'POST',
        url: '/api/v1/gitlab-instances',
        payload: { ...valid, accessToken: 'glpat-abc\ndef12345' },
      },
      status: 400,
      path: 'body.accessToken',
    },
    {
      name: 'array body',
      request: { method: 'POST', url: '/api/v1/gitlab-instances', payload: [valid] },
      status: 400,
      path: 'body',
    },
    {
      name: 'wrong content type',
      request: {
        method: 'POST',
        url: '/api/v1/gitlab-instances',
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify(valid),
      },
      status: 415,
    },
    {
      name: 'oversized body',
      request: {
        method: 'POST',
        url: '/api/v1/gitlab-instances',
        payload: { ...valid, name: 'x'.repeat(2 * 1024 * 1024) },
      },
      status: 413,
    },
    {
      name: 'invalid id in path',
      request: { method: 'PATCH', url: '/api/v1/gitlab-instances/12', payload: { name: 'x' } },
      status: 400,
      path: 'params.id',
    },
    {
      name: 'empty update',
      request: {
        method: 'PATCH',
        url: '/api/v1/gitlab-instances/01a20792-d6bb-742f-afc2-ba3f6c8b6cc1',
        payload: {},
      },
      status: 400,
      path: 'body',
    },
    {
      name: 'unknown id',
      request: { method: 'DELETE', url: '/api/v1/gitlab-instances/01a20792-d6bb-742f-afc2-ba3f6c8b6cc1' },
      status: 404,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const before = await databaseFingerprint(ctx.db);
      const res = await ctx.app.inject(c.request);
      expect(res.statusCode).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body.status).toBe(c.status);
      if (c.path) expect(body.errors.map((e: { path: string }) => e.path)).toContain(c.path);
      expect(await databaseFingerprint(ctx.db)).toEqual(before);
    });
  }

  it('a duplicate name is a 409 naming the field', async () => {
    expect((await create({ ...valid, name: 'Twin', url: (await gitlab()).url })).statusCode).toBe(201);
    const before = await databaseFingerprint(ctx.db);
    const res = await create({ ...valid, name: 'Twin', url: (await gitlab()).url });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'body.name' })]);
    expect(await databaseFingerprint(ctx.db)).toEqual(before);
  });

  it('a duplicate URL is a 409 naming the field', async () => {
    const { url } = await gitlab();
    expect((await create({ ...valid, name: 'A', url })).statusCode).toBe(201);
    const res = await create({ ...valid, name: 'B', url: `${url}/` });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'body.url' })]);
  });
});

describe('connecting checks the URL and token against GitLab first', () => {
  /** Sends the request and shows that it failed with `status` and stored nothing. */
  async function refused(request: InjectOptions, status: number) {
    const before = await databaseFingerprint(ctx.db);
    const res = await ctx.app.inject(request);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await databaseFingerprint(ctx.db)).toEqual(before);
    return res.json() as { code: string; detail: string };
  }
  const post = (payload: Record<string, unknown>): InjectOptions => ({
    method: 'POST',
    url: '/api/v1/gitlab-instances',
    payload,
  });

  it('accepts a token with only the runner scopes, without reading the version', async () => {
    const { sim, url } = await gitlab();
    const token = sim.createAccessToken({ scopes: ['create_runner', 'manage_runner'] }).token;
    const res = await create({ name: 'Runner scopes', url, accessToken: token });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().version).toBeNull();
  });

  it('refuses a token without the scopes Paddock needs', async () => {
    const { sim, url } = await gitlab();
    for (const scopes of [['read_api'], ['create_runner'], ['manage_runner', 'read_user']]) {
      const token = sim.createAccessToken({ scopes }).token;
      const problem = await refused(post({ name: 'Scopes', url, accessToken: token }), 422);
      expect(problem.code).toBe('gitlab_error');
      expect(problem.detail).toMatch(/needs api, or both create_runner and manage_runner/);
      expect(problem.detail).not.toContain(token);
    }
  });

  it('refuses an expired, a revoked and an unknown token', async () => {
    const { sim, url } = await gitlab();
    const expired = sim.createAccessToken({ expiresAt: '2021-06-30' }).token;
    expect((await refused(post({ name: 'Old', url, accessToken: expired }), 422)).detail).toMatch(/expired/);
    const revoked = sim.createAccessToken().token;
    sim.accessTokens.revoke(revoked);
    expect((await refused(post({ name: 'Gone', url, accessToken: revoked }), 422)).detail).toMatch(/revoked/);
    const unknown = 'glpat-NeverIssuedByGitLab';
    expect((await refused(post({ name: 'Who', url, accessToken: unknown }), 422)).detail).toMatch(
      /does not accept the access token/,
    );
  });

  it('answers 502 when GitLab cannot be reached or fails', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await refused(
      post({ name: 'Down', url: `http://127.0.0.1:${port}`, accessToken: TOKEN }),
      502,
    );
    expect(down).toMatchObject({ code: 'gitlab_unreachable' });
    expect(down.detail).toBe(`GitLab at http://127.0.0.1:${port} could not be reached (ECONNREFUSED).`);

    const { sim, url } = await gitlab();
    sim.faults.failNext(1, 500);
    const failing = await refused(post({ name: 'Failing', url, accessToken: TOKEN }), 502);
    expect(failing.detail).toMatch(/500 Internal Server Error/);
  });

  it('checks a changed token or URL, and a new name alone without asking GitLab', async () => {
    const { sim, url } = await gitlab();
    const instance = (await create({ name: 'Changing', url, accessToken: TOKEN })).json();
    const patch = (payload: Record<string, unknown>): InjectOptions => ({
      method: 'PATCH',
      url: `/api/v1/gitlab-instances/${instance.id}`,
      payload,
    });
    const weak = sim.createAccessToken({ scopes: ['read_api'] }).token;
    await refused(patch({ accessToken: weak }), 422);

    const other = await gitlab();
    other.sim.faults.failNext(1, 503);
    await refused(patch({ url: other.url }), 502);
    // The stored token is checked against the new URL: the other GitLab knows TOKEN too.
    const moved = await ctx.app.inject(patch({ url: other.url }));
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ url: other.url, accessTokenLast4: 'W1cK' });

    const before = other.sim.requests.count();
    const renamed = await ctx.app.inject(patch({ name: 'Renamed' }));
    expect(renamed.statusCode).toBe(200);
    expect(other.sim.requests.count()).toBe(before);
  });
});
