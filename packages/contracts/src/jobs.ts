import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/**
 * Job queues as Paddock sees them from GitLab's pending and running jobs of the watched projects and groups:
 * grouped by tag set (tags sorted and joined with ","; "" for untagged jobs), with why a pending job cannot start.
 */
export const StuckReason = z.enum([
  'no_runner_with_tags',
  'all_matching_paused',
  'protected_runners_only',
  'all_matching_at_capacity',
]);
export type StuckReason = z.infer<typeof StuckReason>;

export const TagSetQueue = z.object({
  tagSetKey: z.string(),
  tags: z.array(z.string()),
  pending: z.number().int(),
  running: z.number().int(),
  /** seconds the longest-waiting pending job has waited; null when nothing is pending */
  oldestWaitSeconds: z.number().int().nullable(),
  /** over pending jobs and jobs started in the last hour */
  waitP50Seconds: z.number().int().nullable(),
  waitP95Seconds: z.number().int().nullable(),
  /** pending jobs no runner can take now, by reason */
  stuck: z.partialRecord(StuckReason, z.number().int()),
});
export type TagSetQueue = z.infer<typeof TagSetQueue>;

export const TagSetQueueList = z.object({
  items: z.array(TagSetQueue),
  /** when the newest job data was read from GitLab; null before the first read */
  updatedAt: Timestamp.nullable(),
});
export type TagSetQueueList = z.infer<typeof TagSetQueueList>;

export const JobStatusFilter = z.enum(['pending', 'running']);

export const JobListQuery = z.strictObject({
  status: JobStatusFilter.default('pending'),
  /** one tag set key, e.g. `docker,linux` (empty: untagged jobs) */
  tagSet: z.string().max(2048).optional(),
  /** only pending jobs that no runner can take now */
  stuck: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type JobListQuery = z.infer<typeof JobListQuery>;

export const Job = z.object({
  id: Id,
  gitlabInstanceId: Id,
  gitlabJobId: z.number().int(),
  projectId: z.number().int(),
  projectPath: z.string().nullable(),
  pipelineId: z.number().int().nullable(),
  name: z.string(),
  stage: z.string().nullable(),
  ref: z.string().nullable(),
  refProtected: z.boolean(),
  status: z.string(),
  tags: z.array(z.string()),
  tagSetKey: z.string(),
  webUrl: z.string().nullable(),
  queuedAt: Timestamp.nullable(),
  startedAt: Timestamp.nullable(),
  /** the Paddock runner running it, when known */
  runnerId: Id.nullable(),
  /** the machine running it, when GitLab names the runner manager and Paddock knows its system_id */
  machineId: Id.nullable().default(null),
  machineHostname: z.string().nullable().default(null),
  /** seconds waited so far (pending) or before starting (running) */
  waitSeconds: z.number().int().nullable(),
  stuckReason: StuckReason.nullable(),
  /** the reason in words, for people */
  stuckText: z.string().nullable(),
});
export type Job = z.infer<typeof Job>;

export const JobList = z.object({ items: z.array(Job) });
export type JobList = z.infer<typeof JobList>;

/** A GitLab project or group whose jobs Paddock reads. */
export const WatchedScope = z.object({
  id: Id,
  gitlabInstanceId: Id,
  kind: z.enum(['project', 'group']),
  gitlabId: z.number().int(),
  fullPath: z.string().nullable(),
  createdAt: Timestamp,
});
export type WatchedScope = z.infer<typeof WatchedScope>;

export const WatchedScopeList = z.object({ items: z.array(WatchedScope) });
export type WatchedScopeList = z.infer<typeof WatchedScopeList>;

export const CreateWatchedScopeBody = z.strictObject({
  kind: z.enum(['project', 'group']),
  gitlabId: z.number().int().min(1).max(2_147_483_647),
  fullPath: z.string().trim().min(1).max(2048).optional(),
});
export type CreateWatchedScopeBody = z.infer<typeof CreateWatchedScopeBody>;
