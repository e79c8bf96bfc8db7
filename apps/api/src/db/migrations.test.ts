import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { adminUrl } from '../../test/support/pg-urls.js';
import { createTestDatabase } from '../../test/support/test-db.js';
import {
  applyMigrations,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  isCurrent,
  migrationStatus,
  pendingSchemaChanges,
  readMigrations,
} from './migrations.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function emptyDatabase() {
  const db = await createTestDatabase(null);
  cleanups.push(db.drop);
  return db;
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  it('hold every change of schema.prisma (run `pnpm db:migration <name>` when this fails)', async () => {
    const sql = await pendingSchemaChanges({ adminUrl: adminUrl() });
    expect(sql, `schema.prisma has changes no migration holds:\n${sql}`).toBe('');
  });

  it('notice a schema change that has no migration', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paddock-schema-'));
    const schema = path.join(dir, 'schema.prisma');
    cpSync(DEFAULT_SCHEMA_PATH, schema);
    writeFileSync(
      schema,
      `${(await import('node:fs')).readFileSync(DEFAULT_SCHEMA_PATH, 'utf8')}
model Forgotten {
  id Int @id
}
`,
    );
    const sql = await pendingSchemaChanges({ adminUrl: adminUrl(), schemaPath: schema });
    expect(sql).toMatch(/CREATE TABLE "Forgotten"/);
  });

  it('apply once even when two processes start together, and record _prisma_migrations', async () => {
    const db = await emptyDatabase();
    const results = await Promise.all([
      applyMigrations({ connectionString: db.url }),
      applyMigrations({ connectionString: db.url }),
    ]);
    const names = (await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((m) => m.name);
    expect(results.flat().sort()).toEqual(names.sort());
    const rows = await query<{
      migration_name: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(db.url, 'SELECT migration_name, finished_at, applied_steps_count FROM _prisma_migrations');
    expect(rows.map((r) => r.migration_name).sort()).toEqual(names.sort());
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
  });

  it('report pending, modified and failed migrations', async () => {
    const db = await emptyDatabase();
    const migrations = await readMigrations(DEFAULT_MIGRATIONS_DIR);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const before = await migrationStatus(client, migrations);
      expect(before.pending).toEqual(migrations.map((m) => m.name));
      expect(isCurrent(before)).toBe(false);

      await applyMigrations({ connectionString: db.url });
      expect(isCurrent(await migrationStatus(client, migrations))).toBe(true);

      const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
      expect((await migrationStatus(client, edited)).modified).toEqual([migrations[0]!.name]);

      const extra = [...migrations, { name: '29990101000000_future', sql: 'SELECT 1;', checksum: 'x' }];
      expect((await migrationStatus(client, extra)).pending).toEqual(['29990101000000_future']);
    } finally {
      await client.end();
    }
  });

  it('leave nothing behind when a migration fails half-way', async () => {
    const db = await emptyDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paddock-migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    const broken = path.join(dir, '29990101000000_broken');
    (await import('node:fs')).mkdirSync(broken);
    writeFileSync(
      path.join(broken, 'migration.sql'),
      `CREATE TABLE "half" (id int);\nINSERT INTO "half" VALUES (1);\nSELECT 'a;b' AS literal;\nSELECT * FROM "no_such_table";\n`,
    );
    await expect(applyMigrations({ connectionString: db.url, migrationsDir: dir })).rejects.toThrow();
    const tables = await query<{ t: string | null }>(db.url, `SELECT to_regclass('half')::text AS t`);
    expect(tables[0]!.t).toBeNull();
  });

  it('move existing revision models to config_models, one row per distinct model', async () => {
    const db = await emptyDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paddock-migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    const fs = await import('node:fs');
    const later = fs.readdirSync(dir).filter((name) => name >= '20261206101159_config_models');
    const held = mkdtempSync(path.join(os.tmpdir(), 'paddock-migrations-held-'));
    for (const name of later) fs.renameSync(path.join(dir, name), path.join(held, name));
    await applyMigrations({ connectionString: db.url, migrationsDir: dir });

    const a = { global: { concurrent: 2 }, runners: [{ runnerId: 'r1', limit: 3 }] };
    const b = { global: { concurrent: 4 }, runners: [] };
    await query(
      db.url,
      `INSERT INTO machines (id, hostname, updated_at)
         VALUES ('00000000-0000-7000-8000-000000000001', 'h1', now());
       INSERT INTO config_revisions (id, machine_id, number, model, sha256, reason, actor_type) VALUES
         ('00000000-0000-7000-8000-00000000000a', '00000000-0000-7000-8000-000000000001', 1,
          '${JSON.stringify(a)}', repeat('1', 64), 'r', 'system'),
         ('00000000-0000-7000-8000-00000000000b', '00000000-0000-7000-8000-000000000001', 2,
          '${JSON.stringify(b)}', repeat('2', 64), 'r', 'system'),
         ('00000000-0000-7000-8000-00000000000c', '00000000-0000-7000-8000-000000000001', 3,
          '${JSON.stringify(a)}', repeat('3', 64), 'r', 'system')`,
    );
    for (const name of later) fs.renameSync(path.join(held, name), path.join(dir, name));
    await applyMigrations({ connectionString: db.url, migrationsDir: dir });

    const models = await query<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM config_models');
    expect(models[0]!.n).toBe(2);
    const rows = await query<{ number: number; model: unknown }>(
      db.url,
      `SELECT r.number, c.model FROM config_revisions r JOIN config_models c ON c.hash = r.model_hash
        ORDER BY r.number`,
    );
    expect(rows).toEqual([
      { number: 1, model: a },
      { number: 2, model: b },
      { number: 3, model: a },
    ]);
  });
});
