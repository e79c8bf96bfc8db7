/**
 * Paddock's migrations: SQL files in prisma/migrations/<timestamp>_<name>/migration.sql, in Prisma's own format.
 * They are applied by the schema engine (which records `_prisma_migrations` exactly as `prisma migrate deploy`
 * does) under a Postgres advisory lock, so API replicas starting together apply them once.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { withSchemaEngine, type MigrationList } from './schema-engine.js';

/** pg_advisory_lock key held while migrating ("paddock" in ASCII, read as an integer). */
export const MIGRATION_LOCK_KEY = 0x7061646_46f636bn;

const LOCKFILE = 'migration_lock.toml';
const LOCKFILE_CONTENT =
  '# Written by Paddock\'s migration tool; keep it in version control.\nprovider = "postgresql"\n';

/** The repository (or image) root: two levels above this file's package directory. */
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_MIGRATIONS_DIR = path.resolve(packageDir, '../../prisma/migrations');
export const DEFAULT_SCHEMA_PATH = path.resolve(packageDir, '../../prisma/schema.prisma');

export interface MigrationFileInfo {
  name: string;
  sql: string;
  /** sha256 of the file, as Prisma records it in `_prisma_migrations.checksum` */
  checksum: string;
}

export async function readMigrations(dir: string): Promise<MigrationFileInfo[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

function toMigrationList(dir: string, migrations: MigrationFileInfo[]): MigrationList {
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: LOCKFILE_CONTENT },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } },
    })),
  };
}

export interface MigrationStatus {
  /** migrations in the directory that the database has not applied */
  pending: string[];
  /** migrations that started and did not finish (need manual attention) */
  failed: string[];
  /** applied migrations whose file changed since */
  modified: string[];
  /** migrations the database recorded that the directory does not have (database is newer than this code) */
  unknown: string[];
}

export function isCurrent(status: MigrationStatus): boolean {
  return status.pending.length + status.failed.length + status.modified.length === 0;
}

export function describeStatus(status: MigrationStatus): string {
  const parts: string[] = [];
  if (status.pending.length)
    parts.push(`${status.pending.length} pending migration(s): ${status.pending.join(', ')}`);
  if (status.failed.length) parts.push(`failed migration(s): ${status.failed.join(', ')}`);
  if (status.modified.length)
    parts.push(`migration(s) changed after being applied: ${status.modified.join(', ')}`);
  return parts.join('; ') || 'schema is current';
}

interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Compares the directory with `_prisma_migrations` without changing anything. */
export async function migrationStatus(
  db: Queryable,
  migrations: MigrationFileInfo[],
): Promise<MigrationStatus> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('_prisma_migrations')::text AS t`);
  const rows = exists.rows[0]?.t
    ? (
        await db.query<{
          migration_name: string;
          checksum: string;
          finished_at: Date | null;
          rolled_back_at: Date | null;
        }>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations')
      ).rows
    : [];
  const live = rows.filter((r) => r.rolled_back_at === null);
  const applied = new Map(live.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
  const known = new Set(migrations.map((m) => m.name));
  return {
    pending: migrations.filter((m) => !live.some((r) => r.migration_name === m.name)).map((m) => m.name),
    failed: live.filter((r) => r.finished_at === null).map((r) => r.migration_name),
    modified: migrations
      .filter((m) => applied.has(m.name) && applied.get(m.name)!.checksum !== m.checksum)
      .map((m) => m.name),
    unknown: [...applied.keys()].filter((name) => !known.has(name)),
  };
}

export interface ApplyOptions {
  connectionString: string;
  migrationsDir?: string;
  log?: (message: string) => void;
}

/**
 * Applies pending migrations under the advisory lock and returns the names applied. A second caller waits for the
 * lock, then finds nothing pending.
 */
export async function applyMigrations({
  connectionString,
  migrationsDir = DEFAULT_MIGRATIONS_DIR,
  log = () => {},
}: ApplyOptions): Promise<string[]> {
  const migrations = await readMigrations(migrationsDir);
  if (migrations.length === 0) throw new Error(`no migrations found in ${migrationsDir}`);
  const lock = new pg.Client({ connectionString });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const before = await migrationStatus(lock, migrations);
    if (before.failed.length || before.modified.length) throw new Error(describeStatus(before));
    if (before.pending.length === 0) return [];
    log(`applying ${describeStatus(before)}`);
    const { appliedMigrationNames } = await withSchemaEngine(connectionString, (engine) =>
      engine.applyMigrations(toMigrationList(migrationsDir, migrations)),
    );
    return appliedMigrationNames;
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
    await lock.end();
  }
}

/** Runs `fn` against a fresh database created beside `adminUrl`'s, dropped afterwards. */
async function withScratchDatabase<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `paddock_scratch_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

/**
 * SQL that brings a database migrated with every existing migration to `schema.prisma`; empty when the migrations
 * already match. Needs a real Postgres (the engine replays the migrations into a scratch database there).
 */
export async function pendingSchemaChanges(opts: {
  adminUrl: string;
  migrationsDir?: string;
  schemaPath?: string;
}): Promise<string> {
  const migrationsDir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const schemaPath = opts.schemaPath ?? DEFAULT_SCHEMA_PATH;
  const migrations = await readMigrations(migrationsDir);
  const schema = { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
  const sql = await withScratchDatabase(opts.adminUrl, (url) =>
    withSchemaEngine(url, (engine) =>
      engine.diffMigrationsToSchema(toMigrationList(migrationsDir, migrations), schema),
    ),
  );
  return isEmptyScript(sql) ? '' : sql;
}

function isEmptyScript(sql: string): boolean {
  return sql
    .split('\n')
    .map((l) => l.trim())
    .every((l) => l === '' || l.startsWith('--'));
}

export function migrationTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Writes a new migration with the changes since the last one; returns its directory, or null when none. */
export async function createMigration(opts: {
  adminUrl: string;
  name: string;
  migrationsDir?: string;
  schemaPath?: string;
}): Promise<{ dir: string; sql: string } | null> {
  if (!/^[a-z0-9_]{1,64}$/.test(opts.name)) {
    throw new Error('migration names are 1-64 characters of a-z, 0-9 and _ (e.g. add_machine_notes)');
  }
  const migrationsDir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const sql = await pendingSchemaChanges({ ...opts, migrationsDir });
  if (!sql) return null;
  const dir = path.join(migrationsDir, `${migrationTimestamp()}_${opts.name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), sql);
  await writeFile(path.join(migrationsDir, LOCKFILE), LOCKFILE_CONTENT);
  return { dir, sql };
}
