/**
 * One retention pass at a time across every API replica: a session-level Postgres advisory lock taken with
 * `pg_try_advisory_lock` on a connection held for the whole pass. A replica that finds it taken skips its pass
 * (the holder is deleting the same rows). If the holder dies, its connection closes and Postgres releases the lock.
 */
import type pg from 'pg';

/** The retention's key in the two-integer form of advisory locks ("rtnp", 0). */
const RETENTION_LOCK_CLASS = 0x72746e70;

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

export async function withRetentionLock<T>(pool: pg.Pool, run: () => Promise<T>): Promise<Locked<T>> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client
      .query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1, 0) AS acquired', [RETENTION_LOCK_CLASS])
      .catch((error: Error) => {
        broken = error;
        throw error;
      });
    if (!rows[0]?.acquired) return { acquired: false };
    try {
      return { acquired: true, value: await run() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, 0)', [RETENTION_LOCK_CLASS]).catch((error: Error) => {
        broken = error;
      });
    }
  } finally {
    // A connection that could not unlock may still hold the lock: closing it is what releases it.
    client.release(broken ?? false);
  }
}
