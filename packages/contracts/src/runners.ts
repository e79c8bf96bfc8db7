import { z } from 'zod';
import { Id, ListParam, MAX_INT32, Page, PageQuery, Timestamp } from './common.js';
import { LabelSelector } from './machines.js';
import { Rollout } from './revisions.js';

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
  /** when the GitLab sync last found the runner in GitLab; with `gitlabStatus: "deleted"`, when it was last seen */
  syncedAt: Timestamp.nullable().default(null),
  token: RunnerTokenInfo.nullable(),
  machineCount: z.number().int(),
  /** hosts GitLab knows running this runner (its runner managers) */
  managerCount: z.number().int().default(0),
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

/** GitLab's record of one host running the runner (GitLab keys it by gitlab-runner's system_id). */
export const RunnerManagerInfo = z.object({
  systemId: z.string(),
  gitlabManagerId: z.number().int().nullable(),
  version: z.string().nullable(),
  platform: z.string().nullable(),
  architecture: z.string().nullable(),
  ipAddress: z.string().nullable(),
  /** GitLab's view: online, offline, stale, never_contacted */
  status: z.string().nullable(),
  contactedAt: Timestamp.nullable(),
  /** the machine with this system_id; null when no Paddock machine has it (a host Paddock does not manage) */
  machine: z.object({ id: Id, hostname: z.string() }).nullable(),
});
export type RunnerManagerInfo = z.infer<typeof RunnerManagerInfo>;

export const RunnerDetail = Runner.extend({
  assignments: z.array(RunnerAssignment),
  /** as GitLab listed them at the last sync */
  managers: z.array(RunnerManagerInfo).default([]),
  /** assigned machines GitLab has no manager for yet (gitlab-runner has not contacted GitLab from them) */
  machinesWithoutManager: z
    .array(z.object({ machineId: Id, hostname: z.string(), systemId: z.string().nullable() }))
    .default([]),
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

/**
 * The executor of a new runner and its settings, in config.toml's own key names at the level of the
 * `[[runners]]` entry (`shell`, `builds_dir`, `[runners.docker]` as `docker` ...). The API also checks them the way
 * gitlab-runner would (unknown keys, wrong types, pull policies ...); keys Paddock sets itself (`name`, `url`,
 * `token`, `limit` ...) are refused.
 */
export const RunnerExecutor = z.discriminatedUnion('name', [
  z.strictObject({
    name: z.literal('shell'),
    settings: z.looseObject({ shell: z.enum(['bash', 'sh', 'pwsh', 'powershell']).optional() }).default({}),
  }),
  z.strictObject({
    name: z.literal('docker'),
    settings: z.looseObject({
      docker: z.looseObject({
        /** the image jobs run in when their `image:` says nothing */
        image: z.string().trim().min(1, { message: 'the docker executor needs a default image' }),
      }),
    }),
  }),
  z.strictObject({
    name: z.literal('kubernetes'),
    settings: z
      .looseObject({
        kubernetes: z
          .looseObject({
            namespace: z.string().trim().min(1).optional(),
            image: z.string().trim().min(1).optional(),
          })
          .default({}),
      })
      .default({ kubernetes: {} }),
  }),
]);
export type RunnerExecutor = z.infer<typeof RunnerExecutor>;
export const EXECUTOR_NAMES = ['shell', 'docker', 'kubernetes'] as const;

/** The new token's job limit; the same rules as `PATCH /api/v1/runners/:id/token`. */
export const RunnerLimits = z
  .strictObject({
    limitMode: LimitMode.default('per_machine'),
    limit: z.number().int().min(1).max(10_000).nullable().default(null),
    requestConcurrency: z.number().int().min(1).max(1_000).nullable().default(null),
  })
  .refine((l) => !(l.limitMode === 'fleet_budget' && l.limit === null), {
    path: ['limit'],
    message: 'a fleet budget is a number of jobs, not unlimited',
  });
export type RunnerLimits = z.infer<typeof RunnerLimits>;

/** Where the runner runs: machines by id, or every machine matching all label selectors (`key=value` or `key`). */
export const RunnerMachineTargets = z
  .strictObject({
    ids: z.array(Id).min(1).max(10_000).optional(),
    labels: z.array(LabelSelector).min(1).max(64).optional(),
  })
  .refine((t) => (t.ids === undefined) !== (t.labels === undefined), {
    message: 'give either ids or labels',
  });
export type RunnerMachineTargets = z.infer<typeof RunnerMachineTargets>;

/**
 * `POST /api/v1/runners`: create a runner in GitLab and run it on machines. `registrationId` (chosen by the client,
 * so it can subscribe to `registration:<id>` on `/live` before sending) names the progress events.
 */
export const RegisterRunnerBody = z
  .strictObject({
    registrationId: Id.optional(),
    gitlabInstanceId: Id,
    runnerType: RunnerType,
    /** owner of a group_type runner */
    groupId: z.number().int().min(1).max(MAX_INT32).optional(),
    /** owner of a project_type runner */
    projectId: z.number().int().min(1).max(MAX_INT32).optional(),
    description: z.string().trim().max(1024).default(''),
    tags: z.array(Tag).max(50).default([]),
    runUntagged: z.boolean().default(false),
    locked: z.boolean().default(false),
    paused: z.boolean().default(false),
    accessLevel: AccessLevel.default('not_protected'),
    /** seconds; GitLab's minimum is 10 minutes */
    maximumTimeout: z.number().int().min(600).max(315_360_000).nullable().default(null),
    maintenanceNote: z.string().max(1024).nullable().default(null),
    executor: RunnerExecutor,
    limits: RunnerLimits.default({ limitMode: 'per_machine', limit: null, requestConcurrency: null }),
    machines: RunnerMachineTargets,
  })
  .superRefine((b, ctx) => {
    const owner = { instance_type: null, group_type: 'groupId', project_type: 'projectId' } as const;
    for (const field of ['groupId', 'projectId'] as const) {
      const wanted = owner[b.runnerType] === field;
      if (wanted && b[field] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `a ${b.runnerType} runner needs its ${field}`,
        });
      } else if (!wanted && b[field] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: `a ${b.runnerType} runner has no ${field}` });
      }
    }
    if (b.tags.length === 0 && !b.runUntagged) {
      ctx.addIssue({
        code: 'custom',
        path: ['runUntagged'],
        message: 'a runner without tags must run untagged jobs, or it never gets a job',
      });
    }
  });
export type RegisterRunnerBody = z.infer<typeof RegisterRunnerBody>;

/** The answer to a registration: the runner (its token only as last four characters) and its rollout. */
export const RunnerRegistration = z.object({
  registrationId: Id,
  runner: RunnerDetail,
  rollout: Rollout,
});
export type RunnerRegistration = z.infer<typeof RunnerRegistration>;

export const REGISTRATION_STEPS = ['validate', 'gitlab', 'store', 'rollout'] as const;

/** One step of a registration, as `/live` streams it to `registration:<id>`. */
export const RegistrationProgress = z.object({
  registrationId: Id,
  step: z.enum(REGISTRATION_STEPS),
  state: z.enum(['started', 'done', 'failed']),
  /** why the step failed, in words a person can act on */
  detail: z.string().optional(),
  runnerId: Id.optional(),
  rolloutId: Id.optional(),
});
export type RegistrationProgress = z.infer<typeof RegistrationProgress>;

/** After a token rotation: the runner with its new token's last four characters, and the rollout pushing it. */
export const TokenRotation = z.object({
  runner: RunnerDetail,
  rolloutId: Id.nullable(),
});
export type TokenRotation = z.infer<typeof TokenRotation>;

export const ExpiringTokensQuery = z.strictObject({
  /** tokens expiring within this many days (expired ones included) */
  days: z.coerce.number().int().min(0).max(3650).default(30),
});
export type ExpiringTokensQuery = z.infer<typeof ExpiringTokensQuery>;

export const ExpiringTokens = z.object({
  days: z.number().int(),
  items: z.array(
    z.object({
      runnerId: Id,
      gitlabInstanceId: Id,
      gitlabRunnerId: z.number().int(),
      description: z.string(),
      last4: z.string(),
      obtainedAt: Timestamp,
      expiresAt: Timestamp,
      expired: z.boolean(),
    }),
  ),
});
export type ExpiringTokens = z.infer<typeof ExpiringTokens>;

/**
 * `POST /api/v1/runners/:id/adopt`: Paddock takes over a runner it imported from GitLab. GitLab issues it a new
 * token (the old one stops working at once, so hosts running it outside Paddock stop taking jobs) and Paddock runs
 * it on the chosen machines like a runner it registered.
 */
export const AdoptRunnerBody = z.strictObject({
  executor: RunnerExecutor,
  limits: RunnerLimits.default({ limitMode: 'per_machine', limit: null, requestConcurrency: null }),
  machines: RunnerMachineTargets,
});
export type AdoptRunnerBody = z.infer<typeof AdoptRunnerBody>;
