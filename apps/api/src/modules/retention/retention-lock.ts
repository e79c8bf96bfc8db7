/** One retention pass at a time across every API replica: the holder is deleting the same rows (see lib/advisory-lock.ts). */
import type pg from 'pg';
import { withAdvisoryLock } from '../../lib/advisory-lock.js';

/** The retention's lock ("rtnp", 0). */
const RETENTION_LOCK_CLASS = 0x72746e70;

export const withRetentionLock = <T>(pool: pg.Pool, run: () => Promise<T>) =>
  withAdvisoryLock(pool, { classId: RETENTION_LOCK_CLASS }, run);
