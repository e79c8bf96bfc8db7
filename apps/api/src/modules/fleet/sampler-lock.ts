/** One fleet sample at a time across every API replica: the holder is writing the same minute (see lib/advisory-lock.ts). */
import type pg from 'pg';
import { withAdvisoryLock } from '../../lib/advisory-lock.js';

/** The sampler's lock ("flsm", 0). */
const SAMPLER_LOCK_CLASS = 0x666c736d;

export const withSamplerLock = <T>(pool: pg.Pool, run: () => Promise<T>) =>
  withAdvisoryLock(pool, { classId: SAMPLER_LOCK_CLASS }, run);
