/**
 * Where the runner simulator gets its jobs: the seam between it and a GitLab, the part of gitlab-runner's
 * `common.Network` it uses. GitlabJobSource implements all of it over HTTP (job requests, verify, token reset, its
 * API request metrics); InMemoryJobSource only hands out jobs, so runners on it are never verified and their tokens
 * never rotated.
 */
import type { MetricFamily } from './exposition.js';
import type { SimRunner } from './load-config.js';
import type { NewToken } from './token-rotation.js';

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
  /** `POST /runners/verify`: whether GitLab knows the token (and, there, the runner manager of `systemId`). */
  verifyRunner?(runner: SimRunner, systemId: string): Promise<VerifyResult>;
  /** `POST /runners/reset_authentication_token` with the current token: the new one, or why there is none. */
  resetToken?(runner: SimRunner, systemId: string): Promise<TokenResetResult>;
  /** Metric families of the network client (`gitlab_runner_api_request_*`), served with the simulator's. */
  metricFamilies?(): MetricFamily[];
}

/** `valid`: 200; `invalid`: 403 (the token is unknown or expired); `failed`: anything else, counted as valid. */
export type VerifyResult =
  | { readonly status: 'valid'; readonly id: number }
  | { readonly status: 'invalid' }
  | { readonly status: 'failed'; readonly message: string };

export type TokenResetResult =
  { readonly ok: true; readonly token: NewToken } | { readonly ok: false; readonly message: string };
