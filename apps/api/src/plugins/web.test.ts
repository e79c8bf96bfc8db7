import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../app.js';
import { authenticateInjects } from '../../test/support/auth.js';
import { useTestApp, testEnv } from '../../test/support/test-db.js';

const ctx = useTestApp();
let app: App;

beforeAll(async () => {
  const web = mkdtempSync(path.join(os.tmpdir(), 'paddock-web-'));
  mkdirSync(path.join(web, 'assets'));
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Paddock</title><div id="root"></div>');
  writeFileSync(path.join(web, 'assets', 'index-abc123.js'), 'console.log(1)');
  app = await buildApp({
    env: testEnv({ PADDOCK_WEB_DIR: web }),
    db: ctx.db,
    secrets: ctx.secrets,
    logger: false,
  });
  authenticateInjects(app, ctx.admin.bearer);
});
afterAll(() => app.close());

describe('serving the web app', () => {
  it('answers / and client-side routes with index.html, never cached', async () => {
    for (const url of [
      '/',
      '/machines',
      '/machines/01a20792-d6bb-742f-afc2-ba3f6c8b6cc1',
      '/runners?tag=docker',
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a long cache', async () => {
    const res = await app.inject('/assets/index-abc123.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('never answers API paths with the app', async () => {
    for (const url of ['/api/v1/nope', '/api', '/healthz/extra']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/problem\+json/);
    }
    expect((await app.inject('/api/v1/machines')).statusCode).toBe(200);
  });
});

describe('the agent download', () => {
  it('serves the bundle when it is built, and a problem when it is not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paddock-agent-bundle-'));
    const bundle = path.join(dir, 'paddock-agent.js');
    writeFileSync(bundle, '#!/usr/bin/env node\nconsole.log("agent")\n');
    const withBundle = await buildApp({
      env: testEnv({ PADDOCK_AGENT_BUNDLE: bundle }),
      db: ctx.db,
      secrets: ctx.secrets,
      logger: false,
    });
    const res = await withBundle.inject('/downloads/paddock-agent.js');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('console.log("agent")');
    expect(res.headers['content-disposition']).toContain('paddock-agent');
    await withBundle.close();
    const without = await buildApp({
      env: testEnv({ PADDOCK_AGENT_BUNDLE: path.join(dir, 'missing.js') }),
      db: ctx.db,
      secrets: ctx.secrets,
      logger: false,
    });
    expect((await without.inject('/downloads/paddock-agent.js')).statusCode).toBe(404);
    await without.close();
  });
});
