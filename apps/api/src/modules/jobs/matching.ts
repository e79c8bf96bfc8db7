/**
 * Which runners could take a job, and why a pending job is stuck when none can. The rules are GitLab's: a runner
 * picks a job when its tags include every tag of the job (an untagged job needs a runner that runs untagged
 * jobs), it is not paused, its access level allows the job's ref (a `ref_protected` runner takes jobs of protected
 * refs only) and its type reaches the job's project. Paddock adds what GitLab cannot see: whether the runner's
 * hosts are online and whether every slot it has is busy.
 */

export interface JobForMatching {
  /** the GitLab the job belongs to: only that GitLab's runners can take it */
  gitlabInstanceId?: string;
  tags: readonly string[];
  refProtected: boolean;
  projectId: number;
}

export interface RunnerForMatching {
  id: string;
  gitlabInstanceId?: string;
  tags: readonly string[];
  runUntagged: boolean;
  paused: boolean;
  accessLevel: 'not_protected' | 'ref_protected';
  runnerType: 'instance_type' | 'group_type' | 'project_type';
  /** owner project of a project runner */
  projectId: number | null;
  /** some host running it is connected (or GitLab reports it online) */
  online: boolean;
  /** jobs it runs now, and how many it may run in all (null: no limit) */
  running: number;
  capacity: number | null;
}

export type StuckReason =
  /** no online runner has these tags (or runs untagged jobs, for an untagged job) */
  | 'no_runner_with_tags'
  /** runners with these tags exist, but every online one is paused */
  | 'all_matching_paused'
  /** the only online, unpaused runners with these tags take protected refs only, and this ref is not protected */
  | 'protected_runners_only'
  /** runners could take it, but every one of them is running as many jobs as it may */
  | 'all_matching_at_capacity';

export const STUCK_REASON_TEXT: Record<StuckReason, string> = {
  no_runner_with_tags: 'No online runner has these tags.',
  all_matching_paused: 'Every online runner with these tags is paused.',
  protected_runners_only:
    'The runners with these tags run jobs of protected branches and tags only, and this ref is not protected.',
  all_matching_at_capacity: 'Every runner that could take it is running as many jobs as its limit allows.',
};

/** Tags sorted, deduplicated and joined with "," ("" for an untagged job): how jobs are grouped into queues. */
export function tagSetKey(tags: readonly string[]): string {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))].sort().join(',');
}

export function tagsMatch(job: JobForMatching, runner: RunnerForMatching): boolean {
  if (job.tags.length === 0) return runner.runUntagged;
  const has = new Set(runner.tags);
  return job.tags.every((t) => has.has(t));
}

/**
 * The runner belongs to the job's GitLab and its type reaches the job's project (group membership is not known
 * here: group runners count).
 */
function reaches(job: JobForMatching, runner: RunnerForMatching): boolean {
  if (job.gitlabInstanceId !== undefined && runner.gitlabInstanceId !== job.gitlabInstanceId) return false;
  return runner.runnerType !== 'project_type' || runner.projectId === job.projectId;
}

const accessAllows = (job: JobForMatching, runner: RunnerForMatching) =>
  runner.accessLevel === 'not_protected' || job.refProtected;

const hasRoom = (r: RunnerForMatching) => r.capacity === null || r.running < r.capacity;

/**
 * Why this pending job cannot start now, or null when some runner could take it. The first failing rule is the
 * reason, in the order a person would check them: tags, paused, protection, capacity.
 */
export function stuckReason(job: JobForMatching, runners: readonly RunnerForMatching[]): StuckReason | null {
  const tagged = runners.filter((r) => r.online && reaches(job, r) && tagsMatch(job, r));
  if (tagged.length === 0) return 'no_runner_with_tags';
  const active = tagged.filter((r) => !r.paused);
  if (active.length === 0) return 'all_matching_paused';
  const allowed = active.filter((r) => accessAllows(job, r));
  if (allowed.length === 0) return 'protected_runners_only';
  if (!allowed.some(hasRoom)) return 'all_matching_at_capacity';
  return null;
}

/** The runners that could take this job now, ignoring capacity (for "who would run it"). */
export function eligibleRunners(
  job: JobForMatching,
  runners: readonly RunnerForMatching[],
): RunnerForMatching[] {
  return runners.filter(
    (r) => r.online && !r.paused && reaches(job, r) && tagsMatch(job, r) && accessAllows(job, r),
  );
}
