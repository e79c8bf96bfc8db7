/**
 * Migration commands, run from the repository root:
 *   pnpm db:migration <name>   write prisma/migrations/<timestamp>_<name>/migration.sql from schema.prisma changes
 *   pnpm db:migrate            apply pending migrations to DATABASE_URL
 *   pnpm db:check              exit 1 when schema.prisma has changes no migration holds
 * Making a migration needs a real Postgres to replay the existing ones into a scratch database:
 * PADDOCK_MIGRATION_DB_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import pg from 'pg';
import {
  applyMigrations,
  createMigration,
  migrationStatus,
  pendingSchemaChanges,
  readMigrations,
} from './migrations.js';
import { DEFAULT_MIGRATIONS_DIR } from './migrations.js';

const adminUrl = process.env.PADDOCK_MIGRATION_DB_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'create': {
      const name = rest[0];
      if (!name) {
        console.error('usage: pnpm db:migration <name>   (e.g. pnpm db:migration add_machine_notes)');
        return 2;
      }
      const created = await createMigration({ adminUrl, name });
      if (!created) {
        console.log('schema.prisma matches the migrations: nothing to write.');
        return 0;
      }
      console.log(`wrote ${created.dir}/migration.sql:\n\n${created.sql}`);
      return 0;
    }
    case 'deploy': {
      const url = process.env.DATABASE_URL;
      if (!url) {
        console.error('DATABASE_URL is not set. (The embedded database is migrated by `npm start` itself.)');
        return 2;
      }
      const applied = await applyMigrations({ connectionString: url, log: (m) => console.log(m) });
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
      return 0;
    }
    case 'status': {
      const url = process.env.DATABASE_URL;
      if (!url) {
        console.error('DATABASE_URL is not set.');
        return 2;
      }
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        console.log(
          JSON.stringify(
            await migrationStatus(client, await readMigrations(DEFAULT_MIGRATIONS_DIR)),
            null,
            2,
          ),
        );
      } finally {
        await client.end();
      }
      return 0;
    }
    case 'check': {
      const sql = await pendingSchemaChanges({ adminUrl });
      if (sql) {
        console.error(
          `schema.prisma has changes that no migration holds. Run: pnpm db:migration <name>\n\n${sql}`,
        );
        return 1;
      }
      console.log('schema.prisma matches the migrations.');
      return 0;
    }
    default:
      console.error('usage: cli.ts create <name> | deploy | status | check');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
