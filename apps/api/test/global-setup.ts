/**
 * Builds the template database once per run with the real migrations; each test file then gets its own copy
 * (CREATE DATABASE ... TEMPLATE), so files never share state or depend on order. The template's name carries a
 * hash of the migrations, so an unchanged schema reuses the last run's template.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, readMigrations } from '../src/db/migrations.js';
import { adminUrl, databaseUrl } from './support/pg-urls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  const migrations = await readMigrations(DEFAULT_MIGRATIONS_DIR);
  const hash = createHash('sha256')
    .update(migrations.map((m) => `${m.name}:${m.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const template = `paddock_template_${hash}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `Integration tests need Postgres at ${adminUrl()} (set PADDOCK_TEST_DATABASE_URL to use another): ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      const building = `${template}_building_${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
      await admin.query(`CREATE DATABASE "${building}"`);
      await applyMigrations({ connectionString: databaseUrl(building) });
      // Renaming makes the finished template appear atomically to a concurrent run.
      await admin
        .query(`ALTER DATABASE "${building}" RENAME TO "${template}"`)
        .catch(async (error: unknown) => {
          await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
          if (!String((error as Error).message).includes('already exists')) throw error;
        });
    }
    // Older templates and databases left by killed runs. A template of other migrations may belong to a run of
    // another checkout going on right now: only a day-old one is dropped.
    const stale = await admin
      .query<{ datname: string }>(
        `SELECT datname FROM pg_database
          WHERE ((datname LIKE 'paddock\\_template\\_%' AND datname <> $1 AND datname NOT LIKE '%\\_building\\_%')
                 OR datname LIKE 'paddock\\_test\\_%')
            AND (pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification < now() - interval '1 day'`,
        [template],
      )
      .catch(() => ({ rows: [] as Array<{ datname: string }> }));
    for (const { datname } of stale.rows)
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  } finally {
    await admin.end();
  }
  project.provide('templateDatabase', template);
}
