/**
 * Where the runner simulator gets its jobs: the seam between it and a GitLab. The GitLab simulator implements it
 * with `POST /api/v4/jobs/request` (token + system_id); tests and the CLI use InMemoryJobSource.
 */
import type { SimRunner } from './load-config.js';

/** How a job ended; a job whose `run` rejects counts as failed. */
export type JobOutcome = 'success' | 'failed' | 'canceled';

export interface Job {
  /** GitLab's job id. */
  readonly id: number;
  /**
   * Runs the job; the worker holds its slot (and the runner's `limit` slot) until this settles. `signal` aborts
   * when the simulator stops forcefully or dies, like gitlab-runner's abort of running builds.
   */
  run(signal: AbortSignal): Promise<JobOutcome | void>;
  /** The `stage` label of `gitlab_runner_jobs` while it runs; default `step_script`. */
  readonly stage?: string;
  /** The `executor_stage` label of `gitlab_runner_jobs` while it runs; default `docker_run`. */
  readonly executorStage?: string;
}

export interface JobSource {
  /**
   * One job request: a job, or null when there is none (GitLab's 204, possibly after a long poll). Throwing
   * counts as a failed request (no job).
   */
  requestJob(runner: SimRunner, systemId: string, signal: AbortSignal): Promise<Job | null>;
}
