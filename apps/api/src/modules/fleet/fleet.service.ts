/**
 * Fleet trends and concurrency: turns the bucketed sample reads into one point per bucket, oldest first, with
 * nulls where nothing was sampled, so every chart of a range has the same x axis.
 */
import {
  FLEET_BUCKET_SECONDS,
  MACHINE_STATUS_FILTERS,
  type CapacityPoint,
  type FleetConcurrency,
  type FleetConcurrencyQuery,
  type FleetRange,
  type FleetTrends,
  type QueueSeries,
} from '@paddock/contracts';
import { NotFoundError } from '../../lib/errors.js';
import type { FleetRepository, Window } from './fleet.repository.js';

const BUCKETS: Record<FleetRange, number> = { hour: 60, day: 96 };

/** The buckets of a range ending with the one `now` falls in. */
export function windowOf(range: FleetRange, now: Date): Window & { starts: number[] } {
  const bucketSeconds = FLEET_BUCKET_SECONDS[range];
  const endSeconds = (Math.floor(now.getTime() / 1000 / bucketSeconds) + 1) * bucketSeconds;
  const count = BUCKETS[range];
  const fromSeconds = endSeconds - count * bucketSeconds;
  return {
    bucketSeconds,
    from: new Date(fromSeconds * 1000),
    end: new Date(endSeconds * 1000),
    starts: Array.from({ length: count }, (_, i) => fromSeconds + i * bucketSeconds),
  };
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export function fleetService(deps: { repo: FleetRepository; now?: () => Date }) {
  const { repo } = deps;
  const now = deps.now ?? (() => new Date());

  function capacityPoints(
    starts: number[],
    running: Map<number, number | null>,
    limit: Map<number, number | null>,
  ): CapacityPoint[] {
    return starts.map((s) => ({ at: iso(s), running: running.get(s) ?? null, limit: limit.get(s) ?? null }));
  }

  return {
    async trends(range: FleetRange): Promise<FleetTrends> {
      const w = windowOf(range, now());
      const [capacity, queues, machines, sampledAt] = await Promise.all([
        repo.capacity(w),
        repo.queues(w),
        repo.machinesByStatus(),
        repo.newestSample(),
      ]);
      const bySet = new Map<string, Map<number, (typeof queues)[number]>>();
      for (const q of queues) {
        const series = bySet.get(q.tagSetKey) ?? new Map();
        series.set(q.bucket, q);
        bySet.set(q.tagSetKey, series);
      }
      const series: QueueSeries[] = [...bySet].map(([key, buckets]) => ({
        tagSetKey: key,
        tags: key ? key.split(',') : [],
        points: w.starts.map((s) => {
          const b = buckets.get(s);
          return {
            at: iso(s),
            pending: b?.pending ?? null,
            oldestWaitSeconds: b?.oldestWaitSeconds ?? null,
            waitP50Seconds: b?.waitP50Seconds ?? null,
            waitP95Seconds: b?.waitP95Seconds ?? null,
          };
        }),
      }));
      // The longest wait in the newest bucket a tag set was sampled in comes first: what needs a look.
      const latestWait = (s: QueueSeries) =>
        s.points.findLast((p) => p.pending !== null)?.oldestWaitSeconds ?? -1;
      series.sort((a, b) => latestWait(b) - latestWait(a) || a.tagSetKey.localeCompare(b.tagSetKey));
      return {
        range,
        bucketSeconds: w.bucketSeconds,
        from: w.from.toISOString(),
        to: w.end.toISOString(),
        capacity: capacityPoints(
          w.starts,
          new Map(capacity.map((c) => [c.bucket, c.running])),
          new Map(capacity.map((c) => [c.bucket, c.limit])),
        ),
        queues: series,
        machines: {
          total: machines.total,
          byStatus: MACHINE_STATUS_FILTERS.map((status) => ({ status, count: machines[status] })),
        },
        sampledAt: sampledAt?.toISOString() ?? null,
      };
    },

    async concurrency(query: FleetConcurrencyQuery): Promise<FleetConcurrency> {
      const w = windowOf(query.range, now());
      const head = {
        range: query.range,
        bucketSeconds: w.bucketSeconds,
        from: w.from.toISOString(),
        to: w.end.toISOString(),
      };
      if (query.machineId) {
        const machine = await repo.machineName(query.machineId);
        if (!machine) throw new NotFoundError('machine', query.machineId);
        const rows = await repo.capacity(w, query.machineId);
        return {
          ...head,
          subject: { type: 'machine', id: query.machineId, name: machine.name },
          points: capacityPoints(
            w.starts,
            new Map(rows.map((r) => [r.bucket, r.running])),
            new Map(rows.map((r) => [r.bucket, r.limit])),
          ),
        };
      }
      const runnerId = query.runnerId!;
      const runner = await repo.runnerName(runnerId);
      if (!runner) throw new NotFoundError('runner', runnerId);
      const [running, limits] = await Promise.all([
        repo.runnerRunning(w, runnerId),
        repo.runnerLimits(w, runnerId),
      ]);
      return {
        ...head,
        subject: { type: 'runner', id: runnerId, name: runner.name || null },
        points: capacityPoints(
          w.starts,
          new Map(running.map((r) => [r.bucket, r.running])),
          new Map(limits.map((r) => [r.bucket, r.limit])),
        ),
      };
    },
  };
}
export type FleetService = ReturnType<typeof fleetService>;
