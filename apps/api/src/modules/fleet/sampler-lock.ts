/**
 * One fleet sampler at a time across every API replica: a session-level Postgres advisory lock taken with
 * `pg_try_advisory_lock` on a connection held for the whole pass. A replica that finds it taken skips the pass (the
 * holder is writing the same minute). If the holder dies, its connection closes and Postgres releases the lock.
 */
import type pg from 'pg';

/** The sampler's key in the two-integer form of advisory locks ("flsm", 0). */
const SAMPLER_LOCK_CLASS = 0x666c736d;

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

export async function withSamplerLock<T>(pool: pg.Pool, run: () => Promise<T>): Promise<Locked<T>> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client
      .query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1, 0) AS acquired', [SAMPLER_LOCK_CLASS])
      .catch((error: Error) => {
        broken = error;
        throw error;
      });
    if (!rows[0]?.acquired) return { acquired: false };
    try {
      return { acquired: true, value: await run() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, 0)', [SAMPLER_LOCK_CLASS]).catch((error: Error) => {
        broken = error;
      });
    }
  } finally {
    // A connection that could not unlock may still hold the lock: closing it is what releases it.
    client.release(broken ?? false);
  }
}
