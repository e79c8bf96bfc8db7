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
}

export function createDatabase({
  connectionString,
  maxConnections = 10,
  connectionTimeoutMs = 5_000,
}: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
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
