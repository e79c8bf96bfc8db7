/**
 * The retention deletes, one bounded batch per call: each statement picks at most `limit` row ids through an index
 * and deletes those, so a large backlog is cleared by many short statements instead of one long lock. The
 * statements are exported as SQL so tests can EXPLAIN exactly what runs.
 */
import { Prisma, type PrismaClient } from '../../db/client.js';
import { ACTIVE_JOB_STATUSES } from '../sync/sync.repository.js';

export const retentionStatements = {
  /**
   * Jobs in a final state (any status the sync no longer follows) that finished before `before`; one that ended
   * without a finish time (skipped, manual, deleted in GitLab) counts from when Paddock last updated it. Both
   * conditions are ranges of the (finished_at, updated_at) index.
   */
  jobSnapshots: (before: Date, limit: number) => Prisma.sql`
    DELETE FROM job_snapshots
     WHERE id IN (SELECT id FROM job_snapshots
                   WHERE (finished_at < ${before} OR (finished_at IS NULL AND updated_at < ${before}))
                     AND status <> ALL(${ACTIVE_JOB_STATUSES}::text[])
                   LIMIT ${limit})`,

  /** Samples taken before `before`; naming every kind keeps the lookup on the (kind, at) index. */
  fleetSamples: (before: Date, limit: number) => Prisma.sql`
    DELETE FROM fleet_samples
     WHERE id IN (SELECT id FROM fleet_samples
                   WHERE kind = ANY(enum_range(NULL::"SampleKind")) AND at < ${before}
                   LIMIT ${limit})`,

  /**
   * Revisions older than each machine's newest `kept`, except the machine's desired and applied ones, pending
   * ones, and every revision of a rollout still under way (one with a pending revision anywhere), whose status
   * page must show all its machines. The newest revision is always kept, so new numbers keep growing from it.
   */
  configRevisions: (kept: number, limit: number) => Prisma.sql`
    DELETE FROM config_revisions
     WHERE id IN (SELECT r.id
                    FROM machines m
                    CROSS JOIN LATERAL (SELECT c.number FROM config_revisions c
                                         WHERE c.machine_id = m.id
                                         ORDER BY c.number DESC OFFSET ${kept} LIMIT 1) AS newest_dropped
                    JOIN config_revisions r ON r.machine_id = m.id AND r.number <= newest_dropped.number
                   WHERE r.number <> m.desired_revision
                     AND r.number IS DISTINCT FROM m.applied_revision
                     AND r.status <> 'pending'
                     AND (r.rollout_id IS NULL
                          OR r.rollout_id NOT IN (SELECT p.rollout_id FROM config_revisions p
                                                   WHERE p.status = 'pending' AND p.rollout_id IS NOT NULL))
                   LIMIT ${limit})`,

  /**
   * Models no revision names any more (their revisions pruned, or their machines deleted), unused since `before`.
   * A rollout marks the models it uses as it stores them, so one still in flight keeps its model: this delete
   * waits for that row and then finds it used just now.
   */
  configModels: (before: Date, limit: number) => Prisma.sql`
    DELETE FROM config_models
     WHERE hash IN (SELECT c.hash FROM config_models c
                     WHERE c.used_at < ${before}
                       AND NOT EXISTS (SELECT 1 FROM config_revisions r WHERE r.model_hash = c.hash)
                     LIMIT ${limit})
       AND used_at < ${before}`,

  /** Rollouts created before `before` that have no revision left (pruned, or their machines deleted). */
  emptiedRollouts: (before: Date, limit: number) => Prisma.sql`
    DELETE FROM rollouts
     WHERE id IN (SELECT o.id FROM rollouts o
                   WHERE o.created_at < ${before}
                     AND NOT EXISTS (SELECT 1 FROM config_revisions r WHERE r.rollout_id = o.id)
                   LIMIT ${limit})`,
};

/** Each call deletes at most `limit` rows and returns how many it deleted. */
export function retentionRepository(prisma: PrismaClient) {
  const run = async (statement: Prisma.Sql): Promise<number> => prisma.$executeRaw(statement);
  return {
    deleteJobSnapshots: (before: Date, limit: number) => run(retentionStatements.jobSnapshots(before, limit)),
    deleteFleetSamples: (before: Date, limit: number) => run(retentionStatements.fleetSamples(before, limit)),
    deleteConfigRevisions: (kept: number, limit: number) =>
      run(retentionStatements.configRevisions(kept, limit)),
    deleteConfigModels: (before: Date, limit: number) => run(retentionStatements.configModels(before, limit)),
    deleteEmptiedRollouts: (before: Date, limit: number) =>
      run(retentionStatements.emptiedRollouts(before, limit)),
  };
}
export type RetentionRepository = ReturnType<typeof retentionRepository>;
