/**
 * The shapes of the GitLab lists the sync reads (doc/api/runners.md, jobs.md, groups.md, protected_branches.md,
 * protected_tags.md), checked at the boundary. Only the fields Paddock uses are named; the rest pass through.
 */
import { z } from 'zod';

const RunnerType = z.enum(['instance_type', 'group_type', 'project_type']);

/** One entry of `GET /runners/all`: GitLab's short runner entity, without tags or contact time. */
export const RunnerSummary = z.looseObject({
  id: z.number().int(),
  description: z.string().nullable(),
  runner_type: RunnerType,
  /** GitLab before 14.8 sends only `active` */
  paused: z.boolean().optional(),
  active: z.boolean().optional(),
  status: z.string(),
  /** absent before GitLab 17.x */
  created_at: z.string().nullable().optional(),
});
export type GitlabRunnerSummary = z.infer<typeof RunnerSummary>;

/** The owners `GET /runners/:id` lists: the groups of a group runner, the projects of a project runner. */
export const RunnerOwners = z.looseObject({
  groups: z.array(z.looseObject({ id: z.number().int() })).default([]),
  projects: z.array(z.looseObject({ id: z.number().int() })).default([]),
});

/** A job as `GET /projects/:id/jobs` and `GET /projects/:id/jobs/:job_id` send it. */
export const Job = z.looseObject({
  id: z.number().int(),
  status: z.string(),
  stage: z.string().nullable().optional(),
  name: z.string(),
  ref: z.string().nullable().optional(),
  /** the ref is a tag, not a branch */
  tag: z.boolean().optional(),
  created_at: z.string(),
  started_at: z.string().nullable().optional(),
  finished_at: z.string().nullable().optional(),
  /** seconds from queued to started (or to now, while pending) */
  queued_duration: z.number().nullable().optional(),
  failure_reason: z.string().nullable().optional(),
  web_url: z.string().nullable().optional(),
  /** absent before GitLab 14.x on some entities; treated as untagged */
  tag_list: z.array(z.string()).default([]),
  pipeline: z.looseObject({ id: z.number().int(), project_id: z.number().int() }).nullable().optional(),
  runner: z.looseObject({ id: z.number().int() }).nullable().optional(),
  /** the runner manager (host) running it; GitLab 17.2 and later */
  runner_manager: z.looseObject({ system_id: z.string() }).nullable().optional(),
});
export type GitlabJob = z.infer<typeof Job>;

/** One entry of `GET /groups/:id/projects`. */
export const GroupProject = z.looseObject({
  id: z.number().int(),
  path_with_namespace: z.string(),
});
export type GitlabGroupProject = z.infer<typeof GroupProject>;

/** One entry of `GET /projects/:id/protected_branches` or `…/protected_tags`: a name, or a pattern with `*`. */
export const ProtectedRef = z.looseObject({ name: z.string() });
