/**
 * A fresh database per benchmark run on the local Postgres (or PADDOCK_BENCH_DATABASE_URL's server), migrated with
 * the real migrations, and dropped afterwards whatever happened.
 */
import pg from 'pg';
import { applyMigrations } from '../../apps/api/src/db/migrations.js';

const adminUrl = process.env.PADDOCK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates `<prefix>_<timestamp>` and applies every migration to it. */
export async function createBenchDatabase(prefix: string): Promise<BenchDatabase> {
  const name = `${prefix}_${Date.now()}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
  try {
    await applyMigrations({ connectionString: url.toString() });
  } catch (err) {
    await drop();
    throw err;
  }
  return { name, url: url.toString(), drop };
}
