/**
 * The Prisma client over @prisma/adapter-pg. The same code runs against a real Postgres and against the embedded
 * PGlite, which speaks the Postgres wire protocol on loopback.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export { Prisma, PrismaClient } from '../generated/prisma/client.js';
export type * from '../generated/prisma/models.js';
export type * from '../generated/prisma/enums.js';

export interface Database {
  prisma: PrismaClient;
  /** the raw pool, for LISTEN/NOTIFY, advisory locks and health checks */
  pool: pg.Pool;
  connectionString: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  connectionString: string;
  /** pool size; PGlite serves one query at a time, so a handful is plenty there */
  maxConnections?: number;
  /** fail a query that cannot get a connection within this time instead of hanging */
  connectionTimeoutMs?: number;
  /**
   * Postgres cancels a statement running longer than this (`statement_timeout`), and the client gives up on one
   * the server has not answered QUERY_TIMEOUT_GRACE_MS later (a frozen server, a dead peer behind a firewall
   * that never resets the connection), so no request waits on the database forever. Off when absent.
   */
  queryTimeoutMs?: number;
}

/** How much longer than the server-side limit the client waits: the server's own cancel normally wins. */
export const QUERY_TIMEOUT_GRACE_MS = 2_000;

export function createDatabase({
  connectionString,
  maxConnections = 10,
  connectionTimeoutMs = 5_000,
  queryTimeoutMs,
}: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
    // No JIT: Paddock's statements are short, and on a table with many dead rows between vacuums (machines take a
    // heartbeat write every interval) the planner's estimates pass the JIT thresholds and compiling the wall's
    // query took over a second of a 0.1 s statement (bench/RESULTS.md, wall-grid).
    options: '-c jit=off',
    ...(queryTimeoutMs !== undefined && {
      statement_timeout: queryTimeoutMs,
      query_timeout: queryTimeoutMs + QUERY_TIMEOUT_GRACE_MS,
    }),
  });
  // An idle client losing its connection (database restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    prisma,
    pool,
    connectionString,
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
