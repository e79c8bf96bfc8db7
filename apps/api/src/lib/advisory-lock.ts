/**
 * Periodic work that one API replica at a time should do (a GitLab's sync, the fleet sample, retention): a
 * session-level Postgres advisory lock taken with `pg_try_advisory_lock` on a connection held for the whole run. A
 * replica that finds it taken skips the run instead of waiting (the holder is doing the same work). If the holder
 * dies, its connection closes and Postgres releases the lock with it.
 */
import type pg from 'pg';

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

/** A lock in the two-integer form of advisory locks: a class per kind of work, and `key` (hashed) within it. */
export interface AdvisoryLock {
  classId: number;
  /** e.g. the GitLab instance a sync is for; none: the class's only lock */
  key?: string;
}

export async function withAdvisoryLock<T>(
  pool: pg.Pool,
  lock: AdvisoryLock,
  run: () => Promise<T>,
): Promise<Locked<T>> {
  const args = [lock.classId, lock.key ?? null];
  // hashtext(NULL) is NULL, so a lock without a key uses 0 as its second integer.
  const second = 'COALESCE(hashtext($2::text), 0)';
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client
      .query<{ acquired: boolean }>(`SELECT pg_try_advisory_lock($1, ${second}) AS acquired`, args)
      .catch((error: Error) => {
        broken = error;
        throw error;
      });
    if (!rows[0]?.acquired) return { acquired: false };
    try {
      return { acquired: true, value: await run() };
    } finally {
      await client.query(`SELECT pg_advisory_unlock($1, ${second})`, args).catch((error: Error) => {
        broken = error;
      });
    }
  } finally {
    // A connection that could not unlock may still hold the lock: closing it is what releases it.
    client.release(broken ?? false);
  }
}
