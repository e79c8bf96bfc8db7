/**
 * The embedded default: PGlite (Postgres compiled to WebAssembly) stored in the data dir and served over the
 * Postgres wire protocol on loopback, so Prisma and adapter-pg run exactly as against a real server.
 * One process owns a data dir at a time: a lock file holding the owner's pid guards it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data dir ${dataDir} is in use by another Paddock process (pid ${pid}). ` +
        'Stop that process, or give this one its own PADDOCK_DATA_DIR.',
    );
    this.name = 'DataDirLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data dir's lock or throws DataDirLockedError; a lock left by a dead process is taken over. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = path.join(dataDir, 'paddock.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) rmSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new DataDirLockedError(dataDir, owner);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

/** Extended-protocol messages that leave a statement half-way (Parse, Bind, Describe, Execute, Close, Flush). */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);

/**
 * pglite-socket runs the messages of all its connections one at a time through one PGlite, keeping a connection's
 * messages together only inside a transaction. node-postgres sends every parameterised query as Parse, Bind,
 * Execute, Sync, and another connection's Parse arriving in between replaces the unnamed statement ("unnamed
 * prepared statement does not exist"). This view of the database reports "in a transaction" from a Parse until
 * its Sync, so the socket server keeps that connection's messages together as it does for transactions.
 */
export function keepExtendedQueriesTogether(db: PGlite): PGlite {
  let pending = false;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'isInTransaction') return () => pending || target.isInTransaction();
      if (prop === 'execProtocolRawStream') {
        return async (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          const kind = message[0];
          if (kind !== undefined && EXTENDED.has(kind)) pending = true;
          try {
            return await target.execProtocolRawStream(message, options);
          } finally {
            if (kind === SYNC) pending = false;
          }
        };
      }
      if (prop === 'exec') {
        // The socket server rolls back a disconnected connection's transaction: its statement goes with it.
        return async (...args: Parameters<PGlite['exec']>) => {
          pending = false;
          return target.exec(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const HANDOFF_FILE = 'embedded-db.json';

/**
 * The connection string of the embedded database a running Paddock serves from this data dir, or null when no
 * live process serves one.
 */
export function runningEmbeddedDatabase(dataDir: string): string | null {
  try {
    const info = JSON.parse(readFileSync(path.join(dataDir, HANDOFF_FILE), 'utf8')) as {
      pid?: unknown;
      connectionString?: unknown;
    };
    if (typeof info.pid !== 'number' || typeof info.connectionString !== 'string') return null;
    return isAlive(info.pid) ? info.connectionString : null;
  } catch {
    return null;
  }
}

export interface EmbeddedDatabase {
  connectionString: string;
  close(): Promise<void>;
}

export async function startEmbeddedDatabase(opts: {
  dataDir: string;
  port?: number;
}): Promise<EmbeddedDatabase> {
  const unlock = lockDataDir(opts.dataDir);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await PGlite.create({ dataDir: path.join(opts.dataDir, 'pgdata') });
    server = new PGLiteSocketServer({
      db: keepExtendedQueriesTogether(db),
      host: '127.0.0.1',
      port: opts.port ?? 0,
      maxConnections: 16,
    });
    await server.start();
    const address = server.getServerConn();
    const connectionString = `postgresql://postgres:postgres@${address}/postgres?sslmode=disable`;
    const started = { db, server };
    // Tools run beside a running Paddock (`npm run admin`) find its database here instead of the locked files.
    const handoff = path.join(opts.dataDir, HANDOFF_FILE);
    writeFileSync(handoff, JSON.stringify({ pid: process.pid, connectionString }), { mode: 0o600 });
    return {
      connectionString,
      async close() {
        rmSync(handoff, { force: true });
        await started.server.stop();
        await started.db.close();
        unlock();
      },
    };
  } catch (error) {
    await server?.stop().catch(() => {});
    await db?.close().catch(() => {});
    unlock();
    throw error;
  }
}
