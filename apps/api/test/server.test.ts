/**
 * The real program, as `npm start` runs it: the embedded database end to end (start, migrate, write, restart,
 * read), one process per data dir, refusal on a stale schema, and clear messages for bad configuration.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitlabSimulator } from '@paddock/gitlab-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../src/db/migrations.js';
import { runServerToExit, startServer, type ServerProcess } from './support/server-process.js';
import { createTestDatabase } from './support/test-db.js';

const running: ServerProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null) await s.stop('SIGKILL');
  for (const c of cleanups) await c();
});

const KEY = Buffer.alloc(32, 3).toString('base64');

describe('embedded database', () => {
  it('starts, migrates, keeps data across restarts and shuts down cleanly', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-embedded-'));
    // Connecting a GitLab asks it first, so a real (simulated) one answers.
    const gitlab = new GitlabSimulator({ adminToken: 'glpat-KeepThis12345' });
    const gitlabUrl = await gitlab.listen();
    cleanups.push(() => gitlab.close());
    const first = await startServer({ PADDOCK_DATA_DIR: dataDir });
    running.push(first);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    const created = await first.fetch(`${first.url}/api/v1/gitlab-instances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Kept',
        url: gitlabUrl,
        accessToken: 'glpat-KeepThis12345',
      }),
    });
    expect(created.status).toBe(201);

    // A second process on the same data dir stops at once with a clear message and harms nothing.
    const second = await runServerToExit({ PADDOCK_DATA_DIR: dataDir });
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/in use by another Paddock process \(pid \d+\)/);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(existsSync(path.join(dataDir, 'paddock.lock'))).toBe(false);

    const again = await startServer({ PADDOCK_DATA_DIR: dataDir });
    running.push(again);
    const list = (await (await again.fetch(`${again.url}/api/v1/gitlab-instances`)).json()) as {
      items: Array<{ name: string; accessTokenLast4: string }>;
    };
    expect(list.items).toEqual([expect.objectContaining({ name: 'Kept', accessTokenLast4: '2345' })]);
    expect(await again.stop('SIGINT')).toBe(0);
  });
});

describe('PADDOCK_MIGRATE=off', () => {
  it('refuses to start on a stale schema, and starts once it is current', async () => {
    const db = await createTestDatabase(null);
    cleanups.push(db.drop);
    const env = {
      DATABASE_URL: db.url,
      PADDOCK_SECRET_KEY: KEY,
      PADDOCK_MIGRATE: 'off',
      PADDOCK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'paddock-off-')),
    };
    const refused = await runServerToExit(env);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(
      /schema is not current \(\d+ pending migration\(s\).*PADDOCK_MIGRATE=off/s,
    );

    await applyMigrations({ connectionString: db.url });
    const server = await startServer(env);
    running.push(server);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const code = await server.stop();
    expect(code, server.output()).toBe(0);
  });
});

describe('bad configuration', () => {
  it('lists every bad variable and exits 1', async () => {
    const result = await runServerToExit({
      PORT: 'eighty',
      PADDOCK_MIGRATE: 'maybe',
      DATABASE_URL: 'mysql://x',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('Invalid environment');
    expect(result.output).toMatch(/PORT: /);
    expect(result.output).toMatch(/PADDOCK_MIGRATE: /);
    expect(result.output).toMatch(/DATABASE_URL: must be a postgres/);
  });
});
