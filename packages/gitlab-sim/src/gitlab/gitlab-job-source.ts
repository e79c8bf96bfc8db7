/**
 * The JobSource that connects the gitlab-runner simulator to a GitLab (this simulator or a real one) the way
 * gitlab-runner does: `POST /api/v4/jobs/request` with the runner token, system_id, info and the last
 * `X-GitLab-Last-Update`; a taken job streams its log with `PATCH /jobs/:id/trace` (`Content-Range`, JOB-TOKEN)
 * and ends with `PUT /jobs/:id`. The log and run time come from the job's `SIM_JOB_DURATION_SECONDS` and
 * `SIM_JOB_OUTCOME` variables (set by the job generator), scaled by `timeScale` so tests need not wait.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { buildJobLog } from './job-log.js';
import type { Job, JobOutcome, JobSource } from '../runner/job-source.js';
import type { SimRunner } from '../runner/load-config.js';
import { JobRequestError } from '../runner/simulator.js';

export interface GitlabJobSourceOptions {
  /** Factor on planned run times: 0.01 runs a 60 s job in 0.6 s. Default 1. */
  readonly timeScale?: number;
  /** Run time of a job without a plan, in seconds; default 1. */
  readonly defaultDurationSeconds?: number;
  /** gitlab-runner version sent in `info`; default 19.4.0. */
  readonly version?: string;
}

interface JobPayload {
  readonly id: number;
  readonly token: string;
  readonly variables?: ReadonlyArray<{ key: string; value: string }>;
  readonly steps?: ReadonlyArray<{ name: string; script: string[] }>;
  readonly image?: { name?: string };
}

export class GitlabJobSource implements JobSource {
  private readonly lastUpdate = new Map<string, string>();
  private readonly timeScale: number;

  constructor(private readonly options: GitlabJobSourceOptions = {}) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be above 0');
  }

  async requestJob(runner: SimRunner, systemId: string, signal: AbortSignal): Promise<Job | null> {
    const base = apiBase(runner.url);
    const last = this.lastUpdate.get(runner.token);
    const response = await fetch(`${base}/jobs/request`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        token: runner.token,
        system_id: systemId,
        info: {
          name: runner.name,
          version: this.options.version ?? '19.4.0',
          revision: 'd79f3e7b',
          platform: 'linux',
          architecture: 'amd64',
          executor: runner.executor,
          features: { trace_reset: true, trace_checksum: true, trace_size: true, cancelable: true },
        },
        ...(last !== undefined && { last_update: last }),
      }),
      signal,
    });
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
        response.status === 403 ? 'error' : 'warning',
      );
    }
    const payload = (await response.json()) as JobPayload;
    return this.job(base, runner, payload);
  }

  private job(base: string, runner: SimRunner, payload: JobPayload): Job {
    const variable = (key: string): string | undefined =>
      payload.variables?.find((v) => v.key === key)?.value;
    const planned = Number(variable('SIM_JOB_DURATION_SECONDS'));
    const durationSeconds =
      Number.isFinite(planned) && planned > 0 ? planned : (this.options.defaultDurationSeconds ?? 1);
    const outcome: 'success' | 'failed' = variable('SIM_JOB_OUTCOME') === 'failed' ? 'failed' : 'success';
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
    const jobHeaders = { 'JOB-TOKEN': payload.token };
    return {
      id: payload.id,
      run: async (signal): Promise<JobOutcome> => {
        const started = Date.now();
        let offset = 0;
        for (const piece of pieces) {
          const due = started + piece.atSecond * 1000 * this.timeScale;
          if (due > Date.now()) await delay(due - Date.now(), undefined, { signal });
          const data = Buffer.from(piece.text);
          const response = await fetch(`${base}/jobs/${payload.id}/trace`, {
            method: 'PATCH',
            headers: {
              ...jobHeaders,
              'Content-Range': `${offset}-${offset + data.length - 1}`,
              'Content-Type': 'text/plain',
            },
            body: data,
            signal,
          });
          await response.arrayBuffer();
          if (response.status === 202) offset += data.length;
          else if (response.status === 416)
            offset = Number(response.headers.get('range')?.split('-')[1] ?? offset);
          else if (response.status === 403)
            return response.headers.get('job-status') === 'canceled' ? 'canceled' : 'failed';
        }
        const update = await fetch(`${base}/jobs/${payload.id}`, {
          method: 'PUT',
          headers: { ...jobHeaders, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            token: payload.token,
            state: outcome,
            ...(outcome === 'failed' && { failure_reason: 'script_failure', exit_code: 1 }),
            output: { bytesize: offset },
          }),
        });
        await update.arrayBuffer();
        return outcome;
      },
    };
  }
}

/** gitlab-runner's base URL: `<url>/api/v4`, whatever slashes `url` ends with. */
function apiBase(url: string): string {
  return `${url.replace(/\/+$/, '')}/api/v4`;
}
