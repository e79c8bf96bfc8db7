/**
 * One sync of a GitLab at a time across every API replica: a session-level Postgres advisory lock, taken with
 * `pg_try_advisory_lock` on a connection held for the whole run. A replica that finds it taken skips that GitLab
 * this time instead of waiting (the holder is doing the same work). If the holder dies, its connection closes and
 * Postgres releases the lock with it.
 */
import type pg from 'pg';

/** The sync's key space in the two-integer form of advisory locks ("glsy"); the second key is the instance's. */
const SYNC_LOCK_CLASS = 0x676c7379;

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

export async function withSyncLock<T>(
  pool: pg.Pool,
  gitlabInstanceId: string,
  run: () => Promise<T>,
): Promise<Locked<T>> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client
      .query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS acquired', [
        SYNC_LOCK_CLASS,
        gitlabInstanceId,
      ])
      .catch((error: Error) => {
        broken = error;
        throw error;
      });
    if (!rows[0]?.acquired) return { acquired: false };
    try {
      return { acquired: true, value: await run() };
    } finally {
      await client
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [SYNC_LOCK_CLASS, gitlabInstanceId])
        .catch((error: Error) => {
          broken = error;
        });
    }
  } finally {
    // A connection that could not unlock may still hold the lock: closing it is what releases it.
    client.release(broken ?? false);
  }
}
