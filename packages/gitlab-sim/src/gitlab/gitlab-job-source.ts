/**
 * The JobSource that connects the gitlab-runner simulator to a GitLab (this simulator or a real one) the way
 * gitlab-runner's network client does:
 *  - `POST /api/v4/jobs/request` with the runner token, system_id, `info` and the last `X-GitLab-Last-Update`;
 *  - `POST /runners/verify` (token, system_id, info) and `POST /runners/reset_authentication_token` (token);
 *  - a taken job streams its log through JobTrace (trace patches, then `PUT /jobs/:id` with the outcome).
 * The log is `buildJobLog`'s, from the job's image and script; its run time and outcome come from the job's
 * `SIM_JOB_DURATION_SECONDS` and `SIM_JOB_OUTCOME` variables (set by the job generator), or
 * `defaultDurationSeconds` and success for a job without them. `timeScale` shortens every wait.
 * `gitlab_runner_api_request_statuses_total` counts the measured calls, as gitlab-runner's collector does.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { buildJobLog } from './job-log.js';
import { CounterVec, type MetricFamily } from '../runner/exposition.js';
import type { Job, JobOutcome, JobSource, TokenResetResult, VerifyResult } from '../runner/job-source.js';
import { JobTrace, type ApiEndpoint } from '../runner/job-trace.js';
import type { SimRunner } from '../runner/load-config.js';
import { JobRequestError } from '../runner/simulator.js';

export interface GitlabJobSourceOptions {
  /** The GitLab to use for every runner, instead of each `[[runners]]` entry's `url` (gitlab-runner's way). */
  readonly url?: string;
  /** Factor on planned run times and trace update intervals: 0.01 runs a 60 s job in 0.6 s. Default 1. */
  readonly timeScale?: number;
  /** Run time of a job without a plan, in seconds; default 1. */
  readonly defaultDurationSeconds?: number;
  /** gitlab-runner version sent in `info` and written in the log; default 19.4.0. */
  readonly version?: string;
  /**
   * Seconds between trace patches, instead of following GitLab's `X-GitLab-Trace-Update-Interval` (GitLab asks
   * for 60 s, or 3 s while someone watches the job). Default: follow GitLab, starting at 3 s, like gitlab-runner.
   */
  readonly traceUpdateIntervalSeconds?: number;
}

interface JobPayload {
  readonly id: number;
  readonly token: string;
  readonly variables?: ReadonlyArray<{ key: string; value: string }>;
  readonly steps?: ReadonlyArray<{ name: string; script: string[] }>;
  readonly image?: { name?: string };
}

interface TokenPayload {
  readonly id?: number;
  readonly token?: string;
  readonly token_expires_at?: string | null;
}

const DEFAULT_VERSION = '19.4.0';
const REVISION = 'd79f3e7b';

export class GitlabJobSource implements JobSource {
  private readonly lastUpdate = new Map<string, string>();
  private readonly timeScale: number;
  private readonly apiStatuses = new CounterVec(
    'gitlab_runner_api_request_statuses_total',
    'API requests to GitLab, by endpoint, method and status.',
    ['runner', 'system_id', 'endpoint', 'status', 'method'],
  );

  constructor(private readonly options: GitlabJobSourceOptions = {}) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be above 0');
  }

  metricFamilies(): MetricFamily[] {
    return [this.apiStatuses.family()];
  }

  async requestJob(runner: SimRunner, systemId: string, signal: AbortSignal): Promise<Job | null> {
    const base = this.apiBase(runner);
    const last = this.lastUpdate.get(runner.token);
    const response = await fetch(`${base}/jobs/request`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'RUNNER-TOKEN': runner.token },
      body: JSON.stringify({
        info: this.info(runner),
        token: runner.token,
        system_id: systemId,
        ...(last !== undefined && { last_update: last }),
      }),
      signal,
    });
    this.count(runner, systemId, 'request_job', 'POST', response.status);
    if (response.status === 204) {
      await response.arrayBuffer();
      const update = response.headers.get('x-gitlab-last-update');
      if (update) this.lastUpdate.set(runner.token, update);
      return null;
    }
    if (response.status !== 201) {
      const text = await response.text();
      throw new JobRequestError(
        `job request failed: ${response.status} ${text}`.trim(),
        response.status >= 400 && response.status < 500 ? 'error' : 'warning',
      );
    }
    const payload = (await response.json()) as JobPayload;
    return this.job(base, runner, systemId, payload);
  }

  async verifyRunner(runner: SimRunner, systemId: string): Promise<VerifyResult> {
    const response = await fetch(`${this.apiBase(runner)}/runners/verify`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'RUNNER-TOKEN': runner.token },
      body: JSON.stringify({ info: this.info(runner), token: runner.token, system_id: systemId }),
    });
    if (response.status === 200) {
      const body = (await response.json()) as TokenPayload;
      return { status: 'valid', id: body.id ?? 0 };
    }
    const text = await response.text();
    if (response.status === 403) return { status: 'invalid' };
    return { status: 'failed', message: `${response.status} ${text}`.trim() };
  }

  async resetToken(runner: SimRunner, systemId: string): Promise<TokenResetResult> {
    const response = await fetch(`${this.apiBase(runner)}/runners/reset_authentication_token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: runner.token }),
    });
    this.count(runner, systemId, 'reset_token', 'POST', response.status);
    if (response.status !== 201) {
      const text = await response.text();
      return { ok: false, message: `${response.status} ${text}`.trim() };
    }
    const body = (await response.json()) as TokenPayload;
    if (typeof body.token !== 'string' || body.token === '') {
      return { ok: false, message: 'the reply holds no token' };
    }
    const expires = body.token_expires_at ? Date.parse(body.token_expires_at) : NaN;
    return { ok: true, token: { token: body.token, expiresAt: Number.isNaN(expires) ? null : expires } };
  }

  private apiBase(runner: SimRunner): string {
    return apiBase(this.options.url ?? runner.url);
  }

  private info(runner: SimRunner): Record<string, unknown> {
    return {
      name: runner.name,
      version: this.options.version ?? DEFAULT_VERSION,
      revision: REVISION,
      platform: 'linux',
      architecture: 'amd64',
      executor: runner.executor,
      features: { trace_reset: true, trace_checksum: true, trace_size: true, cancelable: true },
    };
  }

  private count(
    runner: SimRunner,
    systemId: string,
    endpoint: ApiEndpoint,
    method: string,
    status: number,
  ): void {
    this.apiStatuses.add([runner.shortToken, systemId, endpoint, String(status), method]);
  }

  private job(base: string, runner: SimRunner, systemId: string, payload: JobPayload): Job {
    const variable = (key: string): string | undefined =>
      payload.variables?.find((v) => v.key === key)?.value;
    const planned = Number(variable('SIM_JOB_DURATION_SECONDS'));
    const durationSeconds =
      Number.isFinite(planned) && planned > 0 ? planned : (this.options.defaultDurationSeconds ?? 1);
    const outcome: 'success' | 'failed' = variable('SIM_JOB_OUTCOME') === 'failed' ? 'failed' : 'success';
    return {
      id: payload.id,
      run: async (signal): Promise<JobOutcome> => {
        const pieces = buildJobLog({
          jobId: payload.id,
          image: payload.image?.name ?? 'alpine:3.20',
          script: payload.steps?.find((s) => s.name === 'script')?.script ?? [],
          outcome,
          startedAt: new Date(),
          durationSeconds,
          runnerDescription: runner.name,
          ...(this.options.version !== undefined && { runnerVersion: this.options.version }),
        });
        const trace = new JobTrace({
          base,
          jobId: payload.id,
          jobToken: payload.token,
          timeScale: this.timeScale,
          ...(this.options.traceUpdateIntervalSeconds !== undefined && {
            updateIntervalSeconds: this.options.traceUpdateIntervalSeconds,
          }),
          observe: (endpoint, method, status) => this.count(runner, systemId, endpoint, method, status),
        });
        trace.start();
        const stop = AbortSignal.any([signal, trace.aborted]);
        const started = Date.now();
        try {
          for (const piece of pieces) {
            const due = started + piece.atSecond * 1000 * this.timeScale;
            if (due > Date.now()) await delay(due - Date.now(), undefined, { signal: stop });
            trace.write(piece.text);
          }
        } catch {
          if (trace.aborted.aborted) {
            await trace.finish('failed');
            return 'canceled';
          }
          // The simulator stopped forcefully: gitlab-runner reports a system failure.
          trace.write('\x1b[0;31mERROR: Job failed (system failure): aborted: terminated\x1b[0;m\n');
          await trace.finish('failed', { reason: 'runner_system_failure', exitCode: 0 });
          return 'canceled';
        }
        const final = await trace.finish(
          outcome,
          outcome === 'failed' ? { reason: 'script_failure', exitCode: 1 } : undefined,
        );
        return final === 'aborted' ? 'canceled' : outcome;
      },
    };
  }
}

/** gitlab-runner's base URL: `<url>/api/v4`, whatever slashes `url` ends with. */
function apiBase(url: string): string {
  return `${url.replace(/\/+$/, '')}/api/v4`;
}
