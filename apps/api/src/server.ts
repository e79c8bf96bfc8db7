/**
 * Paddock's entry point: parse the environment, open the database (embedded PGlite unless DATABASE_URL is set),
 * bring the schema up to date, listen, and shut down cleanly on SIGINT/SIGTERM.
 */
import pg from 'pg';
import pino from 'pino';
import { buildApp, VERSION } from './app.js';
import { createDatabase } from './db/client.js';
import {
  applyMigrations,
  DEFAULT_MIGRATIONS_DIR,
  describeStatus,
  isCurrent,
  migrationStatus,
  readMigrations,
} from './db/migrations.js';
import { locateDatabase, secretBoxFromEnv } from './db/open.js';
import { EnvError, parseEnv, type Env } from './env.js';
import { createLocalEventBus, createPgEventBus } from './lib/event-bus.js';
import { startDemoIfWanted } from './demo/start.js';
import { ensureFirstAdmin, printSetupLink } from './modules/auth/bootstrap.js';
import { loggerOptions } from './lib/logger.js';

class StartupError extends Error {}

async function prepareSchema(env: Env, connectionString: string, log: pino.Logger): Promise<void> {
  const migrationsDir = env.PADDOCK_MIGRATIONS_DIR ?? DEFAULT_MIGRATIONS_DIR;
  if (env.PADDOCK_MIGRATE === 'auto') {
    const applied = await applyMigrations({ connectionString, migrationsDir, log: (m) => log.info(m) });
    if (applied.length) log.info({ applied }, `applied ${applied.length} migration(s)`);
    return;
  }
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const status = await migrationStatus(client, await readMigrations(migrationsDir));
    if (!isCurrent(status)) {
      throw new StartupError(
        `The database schema is not current (${describeStatus(status)}) and PADDOCK_MIGRATE=off. ` +
          'Apply the migrations first (pnpm db:migrate, or start once with PADDOCK_MIGRATE=auto).',
      );
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  let env: Env;
  try {
    env = parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = pino(loggerOptions({ level: env.LOG_LEVEL, pretty: env.PADDOCK_LOG_FORMAT === 'pretty' }));

  const cleanup: Array<() => Promise<void>> = [];
  const runCleanup = async () => {
    for (const step of cleanup.reverse()) await step().catch((err) => log.error({ err }, 'cleanup failed'));
  };

  // Listening for signals from the start: a stop during start-up (migrations, opening the database) closes what
  // is open so far instead of killing the process half-way.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown timed out: exiting');
      process.exit(1);
    }, env.PADDOCK_SHUTDOWN_TIMEOUT_MS);
    force.unref();
    await runCleanup();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  try {
    const location = await locateDatabase(env);
    cleanup.push(() => location.close());
    if (location.embedded) log.info({ dataDir: env.PADDOCK_DATA_DIR }, 'using the embedded database');
    const secrets = secretBoxFromEnv(env);

    await prepareSchema(env, location.connectionString, log);
    const db = createDatabase({
      connectionString: location.connectionString,
      maxConnections: location.embedded ? 8 : 20,
      connectionTimeoutMs: env.PADDOCK_DB_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: env.PADDOCK_DB_QUERY_TIMEOUT_MS,
    });
    cleanup.push(() => db.close());

    // The embedded database has exactly one process; an external one may have several replicas to tell.
    const events = location.embedded
      ? createLocalEventBus()
      : createPgEventBus({ connectionString: location.connectionString, pool: db.pool, log });
    cleanup.push(() => events.close());

    const app = await buildApp({ env, db, secrets, events, logger: log });
    cleanup.push(() => app.close());
    await ensureFirstAdmin(app);
    await app.listen({ host: env.HOST, port: env.PORT });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : env.PORT;
    const host = env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
    const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
    log.info({ url, version: VERSION }, 'Paddock is listening');
    console.log(
      `\n  Paddock ${VERSION} is running at ${url}\n  API docs: ${url}/api/v1/docs\n  Stop with Ctrl-C.\n`,
    );
    await printSetupLink({ app, baseUrl: url, print: (line) => console.log(line) });
    // The demo is built in the background: Paddock answers (and can be stopped) meanwhile. It is stopped before
    // the app closes, so its agents say goodbye to a server that is still there.
    const demoAbort = new AbortController();
    const demo = startDemoIfWanted({ app, env, serverUrl: url, log, signal: demoAbort.signal });
    cleanup.push(async () => {
      demoAbort.abort();
      await (await demo)?.stop();
    });
  } catch (error) {
    await runCleanup();
    if (error instanceof StartupError || (error as Error).name === 'DataDirLockedError') {
      console.error(`\n${(error as Error).message}\n`);
    } else {
      log.error({ err: error }, 'Paddock failed to start');
    }
    process.exit(1);
  }
}

void main();
