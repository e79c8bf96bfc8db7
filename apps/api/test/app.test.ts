/** Cross-cutting behaviour of the app: health, readiness, errors, request ids, OpenAPI, body handling. */
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createDatabase } from '../src/db/client.js';
import { createSecretBox } from '../src/lib/secrets.js';
import { createTestDatabase, testEnv, useTestApp } from './support/test-db.js';

const ctx = useTestApp();

describe('health', () => {
  it('/healthz answers while the process runs', async () => {
    const res = await ctx.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is ready on a migrated database', async () => {
    const res = await ctx.app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true } },
    });
  });

  it('/readyz answers 503 with the reason on a stale schema or a lost database', async () => {
    const empty = await createTestDatabase(null);
    const db = createDatabase({ connectionString: empty.url, maxConnections: 2, connectionTimeoutMs: 1000 });
    const app = await buildApp({
      env: testEnv(),
      db,
      secrets: createSecretBox(Buffer.alloc(32)),
      logger: false,
    });
    try {
      const stale = await app.inject('/readyz');
      expect(stale.statusCode).toBe(503);
      expect(stale.json().checks.migrations.detail).toMatch(/pending migration/);
      expect(stale.json().checks.migrations.pending.length).toBeGreaterThan(0);

      await db.close();
      await empty.drop();
      const lost = await app.inject('/readyz');
      expect(lost.statusCode).toBe(503);
      expect(lost.json().checks.database).toMatchObject({ ok: false });
    } finally {
      await app.close();
      await db.close();
      await empty.drop();
    }
  });
});

describe('errors', () => {
  it('answers unknown API routes with a problem', async () => {
    const res = await ctx.app.inject('/api/v1/nothing-here?token=abc');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: 'not_found',
      type: 'urn:paddock:problem:not_found',
      status: 404,
    });
    expect(res.body).not.toContain('abc');
  });

  it('hides internals of 5xx and carries the request id', async () => {
    const app = await buildApp({ env: ctx.env, db: ctx.db, secrets: ctx.secrets, logger: false });
    app.get('/api/v1/boom', { config: { access: 'public' } }, async () => {
      throw new Error('connection to 10.0.0.7 failed with password hunter2');
    });
    const res = await app.inject({ url: '/api/v1/boom', headers: { 'x-request-id': 'trace-42' } });
    await app.close();
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'internal', requestId: 'trace-42' });
    expect(res.body).not.toMatch(/hunter2|10\.0\.0\.7/);
    expect(res.headers['x-request-id']).toBe('trace-42');
  });

  it('makes up a request id when the given one is unusable', async () => {
    const res = await ctx.app.inject({ url: '/healthz', headers: { 'x-request-id': 'x'.repeat(200) } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('logs', () => {
  it('redact credentials from requests', async () => {
    const { Writable } = await import('node:stream');
    const pino = (await import('pino')).default;
    const { loggerOptions } = await import('../src/lib/logger.js');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(loggerOptions({ level: 'info', pretty: false }), sink);
    const app = await buildApp({ env: ctx.env, db: ctx.db, secrets: ctx.secrets, logger });
    app.post('/api/v1/echo', { config: { access: 'public', audit: false } }, async (request) => {
      request.log.info({ body: request.body }, 'received');
      return {};
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      headers: { authorization: 'Bearer sekrit-bearer', cookie: 'paddock_session=sekrit-cookie' },
      payload: { token: 'glrt-sekrit-token', accessToken: 'glpat-sekrit', password: 'sekrit-pw' },
    });
    // Wall screens and one-time links carry their token in the query string.
    await app.inject('/api/v1/wall/summary?display=pdw_sekritDisplayToken000000000');
    await app.inject('/setup?token=pdx_sekritSetupToken0000000000000');
    await app.close();
    const text = lines.join('');
    expect(text).toContain('[redacted]');
    expect(text).toContain('"requestId"');
    expect(text).not.toMatch(/sekrit/);
  });
});

describe('shutdown', () => {
  it('lets in-flight requests finish and refuses new ones', async () => {
    const app = await buildApp({ env: ctx.env, db: ctx.db, secrets: ctx.secrets, logger: false });
    let release: () => void = () => {};
    const started = new Promise<void>((resolveStarted) => {
      app.get('/api/v1/slow', { config: { access: 'public' } }, async () => {
        resolveStarted();
        await new Promise<void>((r) => (release = r));
        return { done: true };
      });
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const inFlight = fetch(`${address}/api/v1/slow`);
    await started;
    const closing = app.close();
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
  });
});

describe('OpenAPI', () => {
  it('documents every REST route with its schemas', async () => {
    const res = await ctx.app.inject('/api/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const route of [
      '/api/v1/machines',
      '/api/v1/machines/{id}',
      '/api/v1/runners',
      '/api/v1/runners/{id}',
      '/api/v1/tags',
      '/api/v1/gitlab-instances',
      '/api/v1/gitlab-instances/{id}',
    ]) {
      expect(doc.paths, route).toHaveProperty([route]);
    }
    const create = doc.paths['/api/v1/gitlab-instances'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['name', 'url', 'accessToken']),
    );
    const docs = await ctx.app.inject('/api/v1/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });
});
