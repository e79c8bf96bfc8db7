/** One sync of a GitLab at a time across every API replica (see lib/advisory-lock.ts). */
import type pg from 'pg';
import { withAdvisoryLock, type Locked } from '../../lib/advisory-lock.js';

/** The sync's key space ("glsy"); the second key is the instance's id, hashed. */
const SYNC_LOCK_CLASS = 0x676c7379;

export type { Locked };

export const withSyncLock = <T>(pool: pg.Pool, gitlabInstanceId: string, run: () => Promise<T>) =>
  withAdvisoryLock(pool, { classId: SYNC_LOCK_CLASS, key: gitlabInstanceId }, run);
