/**
 * Data retention: deletes finished jobs and fleet samples older than their retention, config revisions beyond the
 * newest N of each machine (never its desired, applied or pending ones, nor those of a rollout under way), and
 * rollouts left without revisions once the audit events that could name them are gone too. Desired models that no
 * revision names any more go with them, whatever the settings: nobody can see them. A pass runs under an
 * advisory lock, so with several replicas one of them does the work; each kind is deleted in bounded batches until
 * a batch comes back short, and a pass asked to stop ends between two batches.
 */
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { RetentionRepository } from './retention.repository.js';
import { withRetentionLock } from './retention-lock.js';

/** Rows deleted per statement: small enough that no statement holds its locks for long. */
export const RETENTION_BATCH_SIZE = 5_000;

const DAY_MS = 86_400_000;
/** An unused model is kept this long after a rollout last stored it. */
export const MODEL_GRACE_MS = 3_600_000;

/** What to keep; 0 keeps that kind forever. */
export interface RetentionSettings {
  jobRetentionDays: number;
  fleetSampleRetentionDays: number;
  revisionsKept: number;
  /** emptied rollouts are deleted after this many days, when no audit event can name them any more */
  auditRetentionDays: number;
}

export type RetentionKind = 'configRevisions' | 'configModels' | 'rollouts' | 'jobSnapshots' | 'fleetSamples';

const LABELS: Record<RetentionKind, string> = {
  configRevisions: 'config revisions',
  configModels: 'unused config models',
  rollouts: 'emptied rollouts',
  jobSnapshots: 'finished job snapshots',
  fleetSamples: 'fleet samples',
};

export interface Pruned {
  rows: number;
  /** delete statements run, the last one short of a full batch (or stopped) */
  batches: number;
}

export type PruneResult =
  | {
      ran: true;
      /** one entry per kind whose retention is on */
      pruned: Partial<Record<RetentionKind, Pruned>>;
      /** false when the pass was asked to stop before it finished */
      complete: boolean;
    }
  | { ran: false; reason: 'locked' };

export interface RetentionService {
  /** One pass over every kind, unless another replica is running one. */
  pruneNow(opts?: { now?: Date; signal?: AbortSignal }): Promise<PruneResult>;
}

export function retentionService(deps: {
  repo: RetentionRepository;
  pool: pg.Pool;
  settings: RetentionSettings;
  log: FastifyBaseLogger;
  batchSize?: number;
}): RetentionService {
  const { repo, settings, log } = deps;
  const batchSize = deps.batchSize ?? RETENTION_BATCH_SIZE;

  return {
    async pruneNow({ now = new Date(), signal } = {}) {
      const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
      // Revisions before rollouts: the rollouts a pass empties can go in the same pass.
      const steps: Array<[RetentionKind, (limit: number) => Promise<number>]> = [];
      if (settings.revisionsKept > 0)
        steps.push(['configRevisions', (limit) => repo.deleteConfigRevisions(settings.revisionsKept, limit)]);
      // An hour is far longer than any rollout's transaction, which marks its models used as it starts writing.
      const modelsBefore = new Date(now.getTime() - MODEL_GRACE_MS);
      steps.push(['configModels', (limit) => repo.deleteConfigModels(modelsBefore, limit)]);
      if (settings.auditRetentionDays > 0) {
        const before = ago(settings.auditRetentionDays);
        steps.push(['rollouts', (limit) => repo.deleteEmptiedRollouts(before, limit)]);
      }
      if (settings.jobRetentionDays > 0) {
        const before = ago(settings.jobRetentionDays);
        steps.push(['jobSnapshots', (limit) => repo.deleteJobSnapshots(before, limit)]);
      }
      if (settings.fleetSampleRetentionDays > 0) {
        const before = ago(settings.fleetSampleRetentionDays);
        steps.push(['fleetSamples', (limit) => repo.deleteFleetSamples(before, limit)]);
      }

      const locked = await withRetentionLock(deps.pool, async () => {
        const pruned: Partial<Record<RetentionKind, Pruned>> = {};
        for (const [kind, deleteBatch] of steps) {
          const done: Pruned = { rows: 0, batches: 0 };
          pruned[kind] = done;
          while (!signal?.aborted) {
            const rows = await deleteBatch(batchSize);
            done.rows += rows;
            done.batches += 1;
            if (rows < batchSize) break;
          }
          // Logged per kind as it ends, so a later failure does not hide what was already deleted.
          if (done.rows > 0)
            log.info({ kind, rows: done.rows, batches: done.batches }, `pruned ${done.rows} ${LABELS[kind]}`);
          if (signal?.aborted) return { pruned, complete: false };
        }
        return { pruned, complete: true };
      });
      if (!locked.acquired) {
        log.debug('retention pass skipped: another replica is running one');
        return { ran: false, reason: 'locked' };
      }
      return { ran: true, ...locked.value };
    },
  };
}
