import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { StuckReason, TagSetQueue } from './jobs.js';
import { LabelSelector } from './machines.js';
import { Tag } from './runners.js';

/**
 * The wall screen (`/wall?display=pdw_…`): fleet health at a glance, the only thing a display token can read. The
 * same summary comes from `GET /api/v1/wall/summary` and, pushed, from the `wall` topics of `/live`.
 *
 * A wall shows the whole fleet, one tag set (`?tags=docker,linux`) or the machines with one label
 * (`?label=pool=gpu`). The live topic names the same filter: `wall`, `wall:tags=<tag set key>` or
 * `wall:label=<key=value>`, so each distinct filter is one subscription the server computes once per push.
 */

/** How a machine shows on the heat grid; one status each, the most pressing first (never > offline > draining > drifting > online). */
export const WallMachineStatus = z.enum(['online', 'offline', 'drifting', 'draining', 'never']);
export type WallMachineStatus = z.infer<typeof WallMachineStatus>;

/**
 * One heat grid tile, as a tuple so a fleet of thousands stays small on the wire:
 * `[machine id, hostname, status, running jobs, job limit]` (limit 0: no limit known).
 */
export const WallTile = z.tuple([
  Id,
  z.string(),
  WallMachineStatus,
  z.number().int().nonnegative(),
  z.number().int().nonnegative(),
]);
export type WallTile = z.infer<typeof WallTile>;

export const WallTagSet = TagSetQueue.pick({
  tagSetKey: true,
  tags: true,
  pending: true,
  running: true,
  oldestWaitSeconds: true,
  stuck: true,
});
export type WallTagSet = z.infer<typeof WallTagSet>;

/** A tag set with pending jobs that no online, unpaused runner can take (full runners do not count here). */
export const WallUnservedTagSet = z.object({
  tagSetKey: z.string(),
  tags: z.array(z.string()),
  /** pending jobs of the set that cannot start for that reason */
  pending: z.number().int(),
  /** the reason most of them share */
  reason: StuckReason,
});
export type WallUnservedTagSet = z.infer<typeof WallUnservedTagSet>;

/** The filter a wall shows: nothing (the whole fleet), one tag set or one label selector. */
export const WallFilter = z.object({
  /** the tag set, sorted and deduplicated */
  tags: z.array(z.string()).nullable(),
  /** `key=value` (or `key`: machines having that label) */
  label: z.string().nullable(),
});
export type WallFilter = z.infer<typeof WallFilter>;

/** Most tag sets a summary lists, longest waits first. */
export const WALL_MAX_TAG_SETS = 100;

export const WallSummary = z.object({
  at: Timestamp,
  filter: WallFilter,
  machines: z.object({
    total: z.number().int(),
    online: z.number().int(),
    /** not connected now, including machines that never connected */
    offline: z.number().int(),
    neverConnected: z.number().int(),
    drifting: z.number().int(),
    draining: z.number().int(),
    /** online machines flagged for host pressure: CPU or memory above 90 % for 5 minutes while running jobs */
    underPressure: z.number().int(),
    /** every machine of the filter, ordered by hostname */
    grid: z.array(WallTile),
  }),
  jobs: z.object({
    running: z.number().int(),
    pending: z.number().int(),
    /** when job data was last read from GitLab; null before the first read */
    updatedAt: Timestamp.nullable(),
  }),
  /** jobs the online, undrained machines run now (as their agents report) and the sum of their job limits */
  capacity: z.object({ running: z.number().int(), limit: z.number().int() }),
  /** queues by tag set, longest waits first (at most WALL_MAX_TAG_SETS) */
  tagSets: z.array(WallTagSet),
  unservedTagSets: z.array(WallUnservedTagSet),
  /** jobs that failed and config revisions that failed to apply in the last hour */
  failuresLastHour: z.object({ jobs: z.number().int(), revisions: z.number().int() }),
});
export type WallSummary = z.infer<typeof WallSummary>;

const TagsParam = z
  .string()
  .max(2048)
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .pipe(z.array(Tag).min(1, { message: 'name at least one tag' }).max(50));

export const WallQuery = z
  .object({
    /** the wall screen's display token (`Authorization: Bearer` works too) */
    display: z.string().max(200).optional(),
    /** one tag set, e.g. `docker,linux` */
    tags: TagsParam.optional(),
    /** machines with one label, e.g. `pool=gpu` */
    label: LabelSelector.optional(),
  })
  .refine((q) => q.tags === undefined || q.label === undefined, {
    message: 'choose either tags or label',
    path: ['label'],
  });
export type WallQuery = z.input<typeof WallQuery>;

const TAG = String.raw`[^,\s](?:[^,]*[^,\s])?`;
const TagSetKeyPart = z.string().regex(new RegExp(`^${TAG}(?:,${TAG})*$`));
const LabelPart = z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,62}(?:=.{0,255})?$/);

/** The live topics of walls: the whole fleet, one tag set or one label. */
export const WallTopic = z.union([
  z.literal('wall'),
  z.templateLiteral(['wall:tags=', TagSetKeyPart]),
  z.templateLiteral(['wall:label=', LabelPart]),
]);
export type WallTopic = z.infer<typeof WallTopic>;

/** Tags sorted, deduplicated and joined with ",": one name per tag set. */
export function wallTagSetKey(tags: readonly string[]): string {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))].sort().join(',');
}

/** The live topic of a filter. */
export function wallTopic(filter: { tags?: readonly string[] | null; label?: string | null }): WallTopic {
  if (filter.tags && filter.tags.length > 0) return `wall:tags=${wallTagSetKey(filter.tags)}`;
  if (filter.label) return `wall:label=${filter.label}`;
  return 'wall';
}

/** The filter a wall topic names. */
export function wallTopicFilter(topic: WallTopic): WallFilter {
  if (topic.startsWith('wall:tags=')) return { tags: topic.slice(10).split(','), label: null };
  if (topic.startsWith('wall:label=')) return { tags: null, label: topic.slice(11) };
  return { tags: null, label: null };
}
