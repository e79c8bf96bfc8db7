/**
 * Job queues by tag set: how many jobs wait, the oldest wait, and the wait percentiles. A wait is how long a job
 * stayed pending: for a job still pending, the time so far; for a job that started within the window, the time
 * it waited before starting. Counting both keeps the percentiles honest when a queue drains quickly (only
 * pending jobs would show nothing) and when it is stuck (only started jobs would hide the stuck ones).
 */
import {
  stuckReason,
  tagSetKey,
  type JobForMatching,
  type RunnerForMatching,
  type StuckReason,
} from './matching.js';

export interface JobForQueues extends JobForMatching {
  status: string;
  /** when it entered the queue (GitLab's queued_at, else created_at) */
  queuedAt: Date;
  startedAt: Date | null;
}

export interface TagSetQueue {
  tagSetKey: string;
  tags: string[];
  pending: number;
  running: number;
  oldestWaitSeconds: number | null;
  waitP50Seconds: number | null;
  waitP95Seconds: number | null;
  /** pending jobs no runner can take now, by reason */
  stuck: Partial<Record<StuckReason, number>>;
}

const PENDING = new Set(['created', 'waiting_for_resource', 'preparing', 'pending']);
const RUNNING = 'running';

export const isPending = (status: string) => PENDING.has(status);

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function queuesByTagSet(
  jobs: readonly JobForQueues[],
  runners: readonly RunnerForMatching[],
  now: Date,
  /** started jobs older than this do not count in the wait percentiles */
  windowMs = 60 * 60 * 1000,
): TagSetQueue[] {
  const groups = new Map<string, { tags: string[]; jobs: JobForQueues[] }>();
  for (const job of jobs) {
    const key = tagSetKey(job.tags);
    const g = groups.get(key) ?? { tags: key ? key.split(',') : [], jobs: [] };
    g.jobs.push(job);
    groups.set(key, g);
  }
  const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));
  const out: TagSetQueue[] = [];
  for (const [key, g] of groups) {
    const pending = g.jobs.filter((j) => isPending(j.status));
    const waits: number[] = pending.map((j) => seconds(now.getTime() - j.queuedAt.getTime()));
    for (const j of g.jobs) {
      if (!j.startedAt || isPending(j.status)) continue;
      if (now.getTime() - j.startedAt.getTime() > windowMs) continue;
      waits.push(seconds(j.startedAt.getTime() - j.queuedAt.getTime()));
    }
    waits.sort((a, b) => a - b);
    const stuck: Partial<Record<StuckReason, number>> = {};
    for (const j of pending) {
      const reason = stuckReason(j, runners);
      if (reason) stuck[reason] = (stuck[reason] ?? 0) + 1;
    }
    const oldest = pending.reduce<number | null>(
      (max, j) => Math.max(max ?? 0, seconds(now.getTime() - j.queuedAt.getTime())),
      null,
    );
    out.push({
      tagSetKey: key,
      tags: g.tags,
      pending: pending.length,
      running: g.jobs.filter((j) => j.status === RUNNING).length,
      oldestWaitSeconds: oldest,
      waitP50Seconds: percentile(waits, 50),
      waitP95Seconds: percentile(waits, 95),
      stuck,
    });
  }
  // Longest waits first: what a person should look at.
  return out.sort(
    (a, b) =>
      (b.oldestWaitSeconds ?? -1) - (a.oldestWaitSeconds ?? -1) || a.tagSetKey.localeCompare(b.tagSetKey),
  );
}
