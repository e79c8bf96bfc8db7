/**
 * The wall screen's summary: machine counts and the heat grid, job queues by tag set (the same figures as
 * `GET /jobs/queues`, from the same code), the tag sets nobody can serve, capacity and the last hour's failures.
 *
 * A filter narrows it. One tag set: its queue, and the machines carrying a runner with those tags. One label: the
 * machines with it, and the tag sets their runners could take.
 */
import {
  WALL_MAX_TAG_SETS,
  wallTagSetKey,
  type StuckReason,
  type WallFilter,
  type WallMachineStatus,
  type WallSummary,
  type WallTile,
  type WallUnservedTagSet,
} from '@paddock/contracts';
import type { JobsRepository } from '../jobs/jobs.repository.js';
import { flaggedLevel } from '../pressure/pressure.js';
import { tagsMatch } from '../jobs/matching.js';
import { queuesByTagSet, type TagSetQueue } from '../jobs/queues.js';
import type { WallMachineRow, WallRepository } from './wall.repository.js';

/** started jobs within this window count in the wait figures, as on the job queues page */
const WAIT_WINDOW_MS = 60 * 60 * 1000;
const FAILURE_WINDOW_MS = 60 * 60 * 1000;

/** Reasons that mean nobody online can take the job at all; a full runner will free a slot by itself. */
const UNSERVED_REASONS: readonly StuckReason[] = [
  'no_runner_with_tags',
  'all_matching_paused',
  'protected_runners_only',
];

function tileStatus(m: WallMachineRow): WallMachineStatus {
  if (m.connectionState === 'never_connected') return 'never';
  if (m.connectionState !== 'online') return 'offline';
  if (m.draining) return 'draining';
  if (m.drifting) return 'drifting';
  return 'online';
}

function unserved(queue: TagSetQueue): WallUnservedTagSet | null {
  let pending = 0;
  let reason: StuckReason | null = null;
  for (const r of UNSERVED_REASONS) {
    const n = queue.stuck[r] ?? 0;
    pending += n;
    if (n > 0 && (reason === null || n > (queue.stuck[reason] ?? 0))) reason = r;
  }
  return reason ? { tagSetKey: queue.tagSetKey, tags: queue.tags, pending, reason } : null;
}

/** The filter in its one spelling: tags sorted and deduplicated. */
export function normalizeWallFilter(filter: Partial<WallFilter>): WallFilter {
  const tags = filter.tags && filter.tags.length > 0 ? wallTagSetKey(filter.tags).split(',') : null;
  return { tags, label: tags ? null : (filter.label ?? null) };
}

export function wallService(deps: { wall: WallRepository; jobs: JobsRepository; now?: () => Date }) {
  const { wall, jobs } = deps;
  const clock = deps.now ?? (() => new Date());
  return {
    async summary(requested: Partial<WallFilter> = {}): Promise<WallSummary> {
      const filter = normalizeWallFilter(requested);
      const now = clock();
      const scope = { tags: filter.tags, label: filter.label };
      const tagSetKey = filter.tags ? filter.tags.join(',') : null;
      const since = new Date(now.getTime() - FAILURE_WINDOW_MS);
      const [machines, jobRows, runners, updatedAt, runnerIds, failedJobs, failedRevisions] =
        await Promise.all([
          wall.machines(scope),
          jobs.jobsForQueues(WAIT_WINDOW_MS),
          jobs.runnersForMatching(),
          jobs.lastUpdate(),
          filter.label ? wall.runnerIds(scope) : Promise.resolve(null),
          wall.failedJobsSince(since, scope, tagSetKey),
          wall.failedRevisionsSince(since, scope),
        ]);

      let queues = queuesByTagSet(
        jobRows.map((j) => ({ ...j, queuedAt: j.queuedAt ?? j.createdAt })),
        runners,
        now,
        WAIT_WINDOW_MS,
      );
      if (tagSetKey !== null) {
        queues = queues.filter((q) => q.tagSetKey === tagSetKey);
      } else if (runnerIds) {
        const here = new Set(runnerIds);
        const local = runners.filter((r) => here.has(r.id));
        queues = queues.filter((q) =>
          local.some((r) => tagsMatch({ tags: q.tags, refProtected: true, projectId: 0 }, r)),
        );
      }

      const grid: WallTile[] = [];
      const counts = {
        online: 0,
        offline: 0,
        neverConnected: 0,
        drifting: 0,
        draining: 0,
        underPressure: 0,
      };
      const capacity = { running: 0, limit: 0 };
      for (const m of machines) {
        grid.push([m.id, m.hostname, tileStatus(m), Math.max(0, m.running), Math.max(0, m.jobLimit)]);
        if (m.connectionState === 'online') counts.online += 1;
        else counts.offline += 1;
        if (m.connectionState === 'never_connected') counts.neverConnected += 1;
        if (m.drifting) counts.drifting += 1;
        if (m.draining) counts.draining += 1;
        const flag = flaggedLevel(
          { highSince: m.pressureHighSince, idleSince: m.pressureIdleSince },
          now,
          m.connectionState === 'online',
        );
        if (flag?.level === 'high') counts.underPressure += 1;
        if (m.connectionState === 'online' && !m.draining) {
          capacity.running += m.running;
          capacity.limit += m.jobLimit;
        }
      }

      return {
        at: now.toISOString(),
        filter,
        machines: { total: machines.length, ...counts, grid },
        jobs: {
          running: queues.reduce((n, q) => n + q.running, 0),
          pending: queues.reduce((n, q) => n + q.pending, 0),
          updatedAt: updatedAt?.toISOString() ?? null,
        },
        capacity,
        tagSets: queues
          .filter((q) => q.pending > 0 || q.running > 0)
          .slice(0, WALL_MAX_TAG_SETS)
          .map(({ tagSetKey: key, tags, pending, running, oldestWaitSeconds, stuck }) => ({
            tagSetKey: key,
            tags,
            pending,
            running,
            oldestWaitSeconds,
            stuck,
          })),
        unservedTagSets: queues.flatMap((q) => unserved(q) ?? []),
        failuresLastHour: { jobs: failedJobs, revisions: failedRevisions },
      };
    },
  };
}
export type WallService = ReturnType<typeof wallService>;
