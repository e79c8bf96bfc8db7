/**
 * A fresh database for one test file, copied from the migrated template. Call `useTestDatabase()` at the top of a
 * file: it creates the database before the file's tests and drops it after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { parseEnv, type Env } from '../../src/env.js';
import { createSecretBox, type SecretBox } from '../../src/lib/secrets.js';
import { authenticateInjects, createTestUser, type TestUser } from './auth.js';
import { adminUrl, databaseUrl } from './pg-urls.js';

export async function createTestDatabase(template: string | null = inject('templateDatabase')) {
  const name = `paddock_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(
      template ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`,
    );
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestContext {
  db: Database;
  /** every `inject` is sent as `admin` unless it carries its own authorization or cookie */
  app: App;
  env: Env;
  secrets: SecretBox;
  url: string;
  /** an admin with a write API token, whose credentials `app.inject` sends by default */
  admin: TestUser;
}

export function testEnv(overrides: Record<string, string> = {}): Env {
  return parseEnv({
    NODE_ENV: 'test',
    PADDOCK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'paddock-test-')),
    PADDOCK_WEB_DIR: path.join(os.tmpdir(), 'paddock-no-web'),
    LOG_LEVEL: 'silent',
    // Tests run a sync pass themselves when they want one; a timer would touch other tests' GitLab rows.
    PADDOCK_GITLAB_SYNC_INTERVAL_MS: '0',
    // Likewise for fleet samples: tests take them with `app.fleetSampler.sampleNow()`.
    PADDOCK_FLEET_SAMPLE_INTERVAL_MS: '0',
    // And retention: a pass could delete another test's old fixture rows; its own tests run passes directly.
    PADDOCK_RETENTION_INTERVAL_MS: '0',
    // Every response a test produces is also checked against its contract (see lib/response-serializer.ts).
    PADDOCK_RESPONSE_CHECK: 'on',
    ...overrides,
  });
}

/** A migrated database and an app built on it, for the tests of one file. */
export function useTestApp(
  opts: { env?: Record<string, string>; template?: string | null } = {},
): TestContext {
  const ctx = {} as TestContext;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase(
      opts.template === undefined ? inject('templateDatabase') : opts.template,
    );
    drop = database.drop;
    ctx.url = database.url;
    ctx.env = testEnv(opts.env);
    ctx.db = createDatabase({ connectionString: database.url, maxConnections: 4 });
    ctx.secrets = createSecretBox(randomBytes(32));
    ctx.app = await buildApp({ env: ctx.env, db: ctx.db, secrets: ctx.secrets, logger: false });
    await ctx.app.ready();
    ctx.admin = await createTestUser(ctx.db.prisma, 'admin', { email: 'admin@example.test' });
    authenticateInjects(ctx.app, ctx.admin.bearer);
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.db?.close();
    await drop?.();
  });
  return ctx;
}

/**
 * Row counts and the newest change of every table: taken before and after a rejected request to show it stored
 * nothing.
 */
export async function databaseFingerprint(db: Database): Promise<Record<string, string>> {
  const tables = await db.pool.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { tablename } of tables.rows) {
    const r = await db.pool.query<{ n: string; h: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM "${tablename}" t`,
    );
    out[tablename] = `${r.rows[0]!.n}:${r.rows[0]!.h ?? ''}`;
  }
  return out;
}
