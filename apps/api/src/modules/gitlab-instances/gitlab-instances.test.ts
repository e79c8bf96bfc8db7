import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { databaseFingerprint, useTestApp } from '../../../test/support/test-db.js';

const ctx = useTestApp();
const TOKEN = 'glpat-Zx8vQ2mN4pL6rT9yW1cK';

async function create(body: Record<string, unknown>) {
  return ctx.app.inject({ method: 'POST', url: '/api/v1/gitlab-instances', payload: body });
}

describe('GitLab instances', () => {
  it('are created, listed, read, updated and deleted; the token never comes back', async () => {
    const created = await create({ name: 'Main', url: 'https://gitlab.example.com/', accessToken: TOKEN });
    expect(created.statusCode).toBe(201);
    const instance = created.json();
    expect(instance).toMatchObject({
      name: 'Main',
      url: 'https://gitlab.example.com',
      accessTokenLast4: 'W1cK',
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
      payload: { accessToken: 'glpat-NewTokenValue9876' },
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
    const instance = (
      await create({ name: 'Busy', url: 'https://busy.example.com', accessToken: TOKEN })
    ).json();
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
    expect((await create({ ...valid, name: 'Twin', url: 'https://one.example.com' })).statusCode).toBe(201);
    const before = await databaseFingerprint(ctx.db);
    const res = await create({ ...valid, name: 'Twin', url: 'https://two.example.com' });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'body.name' })]);
    expect(await databaseFingerprint(ctx.db)).toEqual(before);
  });

  it('a duplicate URL is a 409 naming the field', async () => {
    expect((await create({ ...valid, name: 'A', url: 'https://dup.example.com' })).statusCode).toBe(201);
    const res = await create({ ...valid, name: 'B', url: 'https://dup.example.com/' });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'body.url' })]);
  });
});
