import { z } from 'zod';
import { Id, MAX_INT32, Timestamp } from './common.js';

export const REVISION_STATUSES = ['pending', 'applied', 'failed', 'superseded'] as const;

export const Revision = z.object({
  number: z.number().int(),
  sha256: z.string(),
  reason: z.string(),
  actorType: z.enum(['user', 'api_token', 'agent', 'system']),
  actorId: z.string().nullable(),
  status: z.enum(REVISION_STATUSES),
  rollbackOf: z.number().int().nullable(),
  rolloutId: Id.nullable(),
  createdAt: Timestamp,
  appliedAt: Timestamp.nullable(),
  error: z.string().nullable(),
});
export type Revision = z.infer<typeof Revision>;

export const RevisionList = z.object({ items: z.array(Revision) });
export type RevisionList = z.infer<typeof RevisionList>;

/** One revision's config.toml with every token masked. */
export const RevisionDetail = Revision.extend({ config: z.string() });
export type RevisionDetail = z.infer<typeof RevisionDetail>;

export const RevisionParams = z.strictObject({
  id: Id,
  number: z.coerce.number().int().min(1).max(MAX_INT32),
});
export type RevisionParams = z.infer<typeof RevisionParams>;

export const RevisionDiffQuery = z.strictObject({
  /** the revision to compare with; defaults to the one before */
  against: z.coerce.number().int().min(1).max(MAX_INT32).optional(),
});

/** A unified diff of two revisions' config.toml, tokens masked. */
export const RevisionDiff = z.object({
  from: z.number().int().nullable(),
  to: z.number().int(),
  diff: z.string(),
});
export type RevisionDiff = z.infer<typeof RevisionDiff>;

/** What a change pushed to machines did: which machines got which revision. */
export const Rollout = z.object({
  rolloutId: Id.nullable(),
  revisions: z.array(z.object({ machineId: Id, revision: z.number().int() })),
  unchanged: z.array(Id),
  /** fleet budgets smaller than their number of healthy machines: some machines run none of that runner's jobs */
  shortfalls: z.array(z.object({ runnerId: Id, healthy: z.number().int(), budget: z.number().int() })),
});
export type Rollout = z.infer<typeof Rollout>;

export const RolloutStatus = z.object({
  rolloutId: Id,
  reason: z.string(),
  createdAt: Timestamp,
  machines: z.array(
    z.object({
      machineId: Id,
      hostname: z.string(),
      revision: z.number().int(),
      status: z.enum(REVISION_STATUSES),
      error: z.string().nullable(),
      appliedAt: Timestamp.nullable(),
    }),
  ),
});
export type RolloutStatus = z.infer<typeof RolloutStatus>;
