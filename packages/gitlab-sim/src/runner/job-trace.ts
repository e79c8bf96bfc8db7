/**
 * A job's log on its way to GitLab, as gitlab-runner sends it (network/trace.go `clientJobTrace`,
 * network/gitlab.go `PatchTrace`/`UpdateJob`):
 *  - the log grows in a buffer; every update interval, what GitLab has not got yet goes out as
 *    `PATCH /jobs/:id/trace` with `JOB-TOKEN` and `Content-Range: <start>-<end>` (at most 1 MiB per patch);
 *  - the interval starts at 3 s and then follows `X-GitLab-Trace-Update-Interval` (at most 15 min);
 *  - a 416 moves the send offset to the end of GitLab's `Range` (`0-<size>`) and the rest is sent from there;
 *  - `Job-Status: failed`/`canceled`, or a 403, means GitLab has ended the job: the job is aborted; `canceling`
 *    asks for a cancel, which the simulator treats the same way (it has no after_script to run);
 *  - at the end the remaining log is sent and `PUT /jobs/:id` reports the state with the log's crc32 and size,
 *    retried on 202 (accepted, not completed), 412 (trace validation failed: the whole log again) and 5xx.
 * Every wait is multiplied by `timeScale`, so that a simulated hour can pass in seconds.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { crc32 } from 'node:zlib';

/** common.DefaultUpdateInterval and common.MaxUpdateInterval. */
const DEFAULT_UPDATE_INTERVAL_MS = 3000;
const MAX_UPDATE_INTERVAL_MS = 15 * 60 * 1000;
/** common.DefaultTracePatchLimit. */
const MAX_PATCH_BYTES = 1024 * 1024;
/** The final update's attempts (gitlab-runner's default job_status_final_update_retry_limit). */
const FINAL_UPDATE_ATTEMPTS = 15;

export type ApiEndpoint = 'request_job' | 'update_job' | 'patch_trace' | 'reset_token';

/** Sees every measured API call, for `gitlab_runner_api_request_statuses_total`. */
export type ApiObserver = (endpoint: ApiEndpoint, method: string, status: number) => void;

export interface JobTraceOptions {
  /** `<url>/api/v4`. */
  readonly base: string;
  readonly jobId: number;
  readonly jobToken: string;
  /** Factor on every wait; default 1. */
  readonly timeScale?: number;
  /** A fixed update interval in seconds, instead of following GitLab's `X-GitLab-Trace-Update-Interval`. */
  readonly updateIntervalSeconds?: number;
  readonly observe?: ApiObserver;
}

/** How the final update ended: GitLab took the state, GitLab had already ended the job, or it never answered. */
export type FinalUpdate = 'updated' | 'aborted' | 'failed';

type PatchState = 'ok' | 'range' | 'abort' | 'not-found' | 'failed';

export class JobTrace {
  private buffer = Buffer.alloc(0);
  private sent = 0;
  private updateIntervalMs: number;
  private readonly scale: number;
  private readonly remote = new AbortController();
  private readonly stopWatching = new AbortController();
  private watching: Promise<void> = Promise.resolve();

  constructor(private readonly options: JobTraceOptions) {
    this.scale = options.timeScale ?? 1;
    this.updateIntervalMs = this.fixedIntervalMs() ?? DEFAULT_UPDATE_INTERVAL_MS;
  }

  /** Aborted when GitLab has ended the job (canceled, failed, or no longer running). */
  get aborted(): AbortSignal {
    return this.remote.signal;
  }

  /** What GitLab acknowledged so far, in bytes. */
  get sentBytes(): number {
    return this.sent;
  }

  get size(): number {
    return this.buffer.length;
  }

  write(text: string): void {
    this.buffer = Buffer.concat([this.buffer, Buffer.from(text)]);
  }

  /** Starts the incremental updates (`watch`). */
  start(): void {
    this.watching = this.watch();
  }

  /**
   * Stops the incremental updates and makes the final update (`finalUpdate`): the rest of the log, then the job's
   * state. Skipped when GitLab has already ended the job.
   */
  async finish(
    state: 'success' | 'failed',
    failure?: { readonly reason: string; readonly exitCode: number },
  ): Promise<FinalUpdate> {
    this.stopWatching.abort();
    await this.watching;
    if (this.remote.signal.aborted) return 'aborted';
    this.updateIntervalMs = this.fixedIntervalMs() ?? DEFAULT_UPDATE_INTERVAL_MS;
    for (let attempt = 0; attempt < FINAL_UPDATE_ATTEMPTS; attempt++) {
      if (!(await this.sendAll())) return 'aborted';
      const status = await this.update(state, failure);
      if (status === 200) return 'updated';
      if (status === 412) this.sent = 0;
      else if (status >= 400 && status < 500) return 'aborted';
      await this.pause();
    }
    return 'failed';
  }

  private async watch(): Promise<void> {
    while (!this.stopWatching.signal.aborted) {
      try {
        await delay(this.updateIntervalMs * this.scale, undefined, { signal: this.stopWatching.signal });
      } catch {
        return;
      }
      if (this.sent < this.buffer.length && (await this.sendPatch()) === 'abort') {
        this.remote.abort();
        return;
      }
    }
  }

  /** `ensureAllTraceSent`; false when GitLab ended the job meanwhile. */
  private async sendAll(): Promise<boolean> {
    while (this.sent < this.buffer.length) {
      const state = await this.sendPatch();
      if (state === 'abort') {
        this.remote.abort();
        return false;
      }
      if (state === 'not-found') return true;
      if (state !== 'ok') await this.pause();
    }
    return true;
  }

  private pause(): Promise<void> {
    return delay(this.updateIntervalMs * this.scale);
  }

  private async sendPatch(): Promise<PatchState> {
    const start = this.sent;
    const content = this.buffer.subarray(start, start + MAX_PATCH_BYTES);
    let response: Response;
    try {
      response = await fetch(`${this.options.base}/jobs/${this.options.jobId}/trace?debug_trace=false`, {
        method: 'PATCH',
        headers: {
          'JOB-TOKEN': this.options.jobToken,
          'Content-Range': `${start}-${start + content.length - 1}`,
          'Content-Type': 'text/plain',
        },
        body: content,
      });
    } catch {
      return 'failed';
    }
    await response.arrayBuffer();
    this.options.observe?.('patch_trace', 'PATCH', response.status);
    this.followInterval(response);
    if (endedRemotely(response)) return 'abort';
    switch (response.status) {
      case 202:
        this.sent = start + content.length;
        return 'ok';
      case 404:
        return 'not-found';
      case 416:
        this.sent = Number(response.headers.get('range')?.split('-')[1] ?? 0) || 0;
        return 'range';
      default:
        return response.status >= 400 && response.status < 500 ? 'abort' : 'failed';
    }
  }

  /** `PUT /jobs/:id`; the status, or 0 when GitLab could not be reached. */
  private async update(
    state: 'success' | 'failed',
    failure?: { readonly reason: string; readonly exitCode: number },
  ): Promise<number> {
    const checksum = `crc32:${crc32(this.buffer).toString(16).padStart(8, '0')}`;
    let response: Response;
    try {
      response = await fetch(`${this.options.base}/jobs/${this.options.jobId}`, {
        method: 'PUT',
        headers: { 'JOB-TOKEN': this.options.jobToken, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          token: this.options.jobToken,
          state,
          ...(failure && { failure_reason: failure.reason, exit_code: failure.exitCode }),
          checksum,
          output: { checksum, bytesize: this.buffer.length },
        }),
      });
    } catch {
      return 0;
    }
    await response.arrayBuffer();
    this.options.observe?.('update_job', 'PUT', response.status);
    this.followInterval(response);
    if (endedRemotely(response) && response.status !== 200) return 403;
    return response.status;
  }

  private followInterval(response: Response): void {
    if (this.fixedIntervalMs() !== undefined) return;
    const seconds = Number(response.headers.get('x-gitlab-trace-update-interval'));
    if (Number.isFinite(seconds) && seconds > 0) {
      this.updateIntervalMs = Math.min(seconds * 1000, MAX_UPDATE_INTERVAL_MS);
    }
  }

  private fixedIntervalMs(): number | undefined {
    const fixed = this.options.updateIntervalSeconds;
    return fixed !== undefined && fixed > 0 ? fixed * 1000 : undefined;
  }
}

/** `RemoteJobStateResponse.IsFailed` (canceled, failed, or 403), plus `canceling` (a cancel request). */
function endedRemotely(response: Response): boolean {
  const state = response.headers.get('job-status');
  return state === 'failed' || state === 'canceled' || state === 'canceling' || response.status === 403;
}
