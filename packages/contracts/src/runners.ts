import { z } from 'zod';
import { Id, ListParam, Page, PageQuery, Timestamp } from './common.js';

export const RUNNER_TYPES = ['instance_type', 'group_type', 'project_type'] as const;
export const RunnerType = z.enum(RUNNER_TYPES);
export type RunnerType = z.infer<typeof RunnerType>;

export const ACCESS_LEVELS = ['not_protected', 'ref_protected'] as const;
export const AccessLevel = z.enum(ACCESS_LEVELS);

export const LIMIT_MODES = ['per_machine', 'fleet_budget'] as const;
export const LimitMode = z.enum(LIMIT_MODES);
export type LimitMode = z.infer<typeof LimitMode>;

/** GitLab's runner status, plus `paused` (a runner GitLab will not give jobs to). */
export const RUNNER_STATUS_FILTERS = ['online', 'offline', 'stale', 'never_contacted', 'paused'] as const;
export const RunnerStatusFilter = z.enum(RUNNER_STATUS_FILTERS);
export type RunnerStatusFilter = z.infer<typeof RunnerStatusFilter>;

/** A GitLab runner tag: what `tag_list` accepts (no commas, no surrounding spaces). */
export const Tag = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^,\s](?:[^,]*[^,\s])?$/, { message: 'tags have no commas and no surrounding spaces' });

export const ListRunnersQuery = PageQuery.extend({
  /** runners carrying every listed tag */
  tag: ListParam.pipe(z.array(Tag)).optional(),
  status: ListParam.pipe(z.array(RunnerStatusFilter)).optional(),
  machineId: Id.optional(),
  gitlabInstanceId: Id.optional(),
  /** matches the description, case-insensitively */
  q: z.string().trim().max(200).optional(),
});
export type ListRunnersQuery = z.infer<typeof ListRunnersQuery>;

export const RunnerTokenInfo = z.object({
  last4: z.string(),
  obtainedAt: Timestamp,
  expiresAt: Timestamp.nullable(),
  rotatedAt: Timestamp.nullable(),
  limitMode: LimitMode,
  /** per_machine: each machine's `limit`; fleet_budget: the total. 0 = unlimited */
  limitValue: z.number().int(),
  requestConcurrency: z.number().int().nullable(),
});
export type RunnerTokenInfo = z.infer<typeof RunnerTokenInfo>;

export const Runner = z.object({
  id: Id,
  gitlabInstanceId: Id,
  gitlabRunnerId: z.number().int(),
  runnerType: RunnerType,
  groupId: z.number().int().nullable(),
  projectId: z.number().int().nullable(),
  description: z.string(),
  tags: z.array(z.string()),
  runUntagged: z.boolean(),
  locked: z.boolean(),
  paused: z.boolean(),
  accessLevel: AccessLevel,
  maximumTimeout: z.number().int().nullable(),
  maintenanceNote: z.string().nullable(),
  executor: z.string(),
  source: z.enum(['managed', 'imported']),
  gitlabStatus: z.string().nullable(),
  contactedAt: Timestamp.nullable(),
  token: RunnerTokenInfo.nullable(),
  machineCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Runner = z.infer<typeof Runner>;

export const RunnerPage = Page(Runner);
export type RunnerPage = z.infer<typeof RunnerPage>;

export const RunnerAssignment = z.object({
  machineId: Id,
  hostname: z.string(),
  systemId: z.string().nullable(),
  limitOverride: z.number().int().nullable(),
  requestConcurrencyOverride: z.number().int().nullable(),
  effectiveLimit: z.number().int().nullable(),
});
export type RunnerAssignment = z.infer<typeof RunnerAssignment>;

export const RunnerDetail = Runner.extend({
  assignments: z.array(RunnerAssignment),
});
export type RunnerDetail = z.infer<typeof RunnerDetail>;

/**
 * `PATCH /api/v1/runners/:id/token`: the token's job limit. `limit: null` is explicitly unlimited (gitlab-runner
 * reads `limit = 0` as unlimited too; Paddock never renders 0). In `fleet_budget` mode `limit` is the total shared
 * by the runner's healthy machines and cannot be unlimited.
 */
export const UpdateTokenLimitsBody = z
  .strictObject({
    limitMode: LimitMode,
    limit: z.number().int().min(1).max(10_000).nullable(),
    requestConcurrency: z.number().int().min(1).max(1_000).nullable(),
    /** per-machine overrides of `limit` (per_machine mode only); null removes an override */
    overrides: z
      .array(
        z.strictObject({
          machineId: Id,
          limit: z.number().int().min(1).max(10_000).nullable(),
        }),
      )
      .max(10_000),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, {
    message: 'give at least one of limitMode, limit, requestConcurrency, overrides',
  });
export type UpdateTokenLimitsBody = z.infer<typeof UpdateTokenLimitsBody>;
