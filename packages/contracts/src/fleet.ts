/**
 * Fleet trends and concurrency: what the overview charts read. Both are built from per-minute samples (running
 * jobs against the limit per machine, queue length and waits per tag set) grouped into buckets: one minute over
 * the last hour, fifteen minutes over the last day. A bucket with no sample carries nulls, so a chart shows a gap
 * instead of a made-up zero.
 */
import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { MachineStatusFilter } from './machines.js';

export const FLEET_RANGES = ['hour', 'day'] as const;
export const FleetRange = z.enum(FLEET_RANGES);
export type FleetRange = z.infer<typeof FleetRange>;

/** Bucket width of each range, in seconds. */
export const FLEET_BUCKET_SECONDS: Record<FleetRange, number> = { hour: 60, day: 15 * 60 };

export const FleetTrendsQuery = z.strictObject({ range: FleetRange.default('hour') });
export type FleetTrendsQuery = z.infer<typeof FleetTrendsQuery>;

/** Running jobs against the limit in one bucket: the busiest minute of the bucket. */
export const CapacityPoint = z.object({
  /** start of the bucket */
  at: Timestamp,
  running: z.number().int().nullable(),
  /** jobs the machines could run at once (0 for offline or draining machines); null with no sample */
  limit: z.number().int().nullable(),
});
export type CapacityPoint = z.infer<typeof CapacityPoint>;

/** One tag set's queue in one bucket: the worst minute of the bucket. */
export const QueuePoint = z.object({
  at: Timestamp,
  pending: z.number().int().nullable(),
  oldestWaitSeconds: z.number().int().nullable(),
  waitP50Seconds: z.number().int().nullable(),
  waitP95Seconds: z.number().int().nullable(),
});
export type QueuePoint = z.infer<typeof QueuePoint>;

export const QueueSeries = z.object({
  /** tags sorted and joined with "," ("" for untagged jobs) */
  tagSetKey: z.string(),
  tags: z.array(z.string()),
  points: z.array(QueuePoint),
});
export type QueueSeries = z.infer<typeof QueueSeries>;

/** Machines per status now. Statuses overlap (an online machine may be draining), so counts need not add up. */
export const MachineStatusCount = z.object({ status: MachineStatusFilter, count: z.number().int() });
export type MachineStatusCount = z.infer<typeof MachineStatusCount>;

export const FleetTrends = z.object({
  range: FleetRange,
  bucketSeconds: z.number().int(),
  from: Timestamp,
  to: Timestamp,
  /** running against the limit over every machine, one point per bucket, oldest first */
  capacity: z.array(CapacityPoint),
  /** one series per tag set sampled in the range, the longest current wait first */
  queues: z.array(QueueSeries),
  machines: z.object({ total: z.number().int(), byStatus: z.array(MachineStatusCount) }),
  /** when the newest sample was taken; null when there is none yet */
  sampledAt: Timestamp.nullable(),
});
export type FleetTrends = z.infer<typeof FleetTrends>;

export const FleetConcurrencyQuery = z
  .strictObject({
    machineId: Id.optional(),
    runnerId: Id.optional(),
    range: FleetRange.default('hour'),
  })
  .refine((q) => (q.machineId === undefined) !== (q.runnerId === undefined), {
    message: 'give either machineId or runnerId',
    path: ['machineId'],
  });
export type FleetConcurrencyQuery = z.infer<typeof FleetConcurrencyQuery>;

export const FleetConcurrency = z.object({
  subject: z.object({
    type: z.enum(['machine', 'runner']),
    id: Id,
    /** hostname of the machine, description of the runner */
    name: z.string().nullable(),
  }),
  range: FleetRange,
  bucketSeconds: z.number().int(),
  from: Timestamp,
  to: Timestamp,
  /**
   * Running jobs against the limit, one point per bucket. For a machine, from its samples. For a runner, running
   * jobs come from GitLab's job data (started before the bucket ended, not finished when it began) and the limit
   * is the sum of its machines' sampled limits, each capped at the runner's own limit on that machine now.
   */
  points: z.array(CapacityPoint),
});
export type FleetConcurrency = z.infer<typeof FleetConcurrency>;
