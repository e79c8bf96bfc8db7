/**
 * A job source without a GitLab: queues of jobs that each run for a fixed time, for tests and the CLI. A queue is
 * open to every runner, or to one runner token. With `longPollMs`, an empty request waits that long for a job to be
 * added before answering "no job", like GitLab's long polling; without it, it answers at once.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Job, JobOutcome, JobSource } from './job-source.js';
import type { SimRunner } from './load-config.js';

export interface InMemoryJobSourceOptions {
  /** How long an empty request waits for a job; default 0 (answer at once). */
  readonly longPollMs?: number;
  /** Run time of a job whose batch does not say; default 1000 ms. */
  readonly durationMs?: number;
  /** The id of the first job handed out; default 1. */
  readonly firstJobId?: number;
}

export interface JobBatch {
  /** How many jobs; `Infinity` for a queue that never runs dry. */
  readonly count: number;
  /** How long each job runs. */
  readonly durationMs?: number;
  /** Only this runner token may take them; any runner when absent. */
  readonly token?: string;
}

export interface InMemoryJobSourceStats {
  /** Jobs not yet handed out (Infinity when a queue never runs dry). */
  readonly queued: number;
  readonly handedOut: number;
  readonly running: number;
  readonly finished: number;
  readonly requests: number;
}

interface Queue {
  remaining: number;
  readonly durationMs: number;
  readonly token?: string;
}

interface Waiter {
  readonly runner: SimRunner;
  readonly wake: () => void;
}

export class InMemoryJobSource implements JobSource {
  private readonly queues: Queue[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly longPollMs: number;
  private readonly durationMs: number;
  private nextId: number;
  private handedOut = 0;
  private running = 0;
  private finished = 0;
  private requests = 0;

  constructor(options: InMemoryJobSourceOptions = {}) {
    this.longPollMs = options.longPollMs ?? 0;
    this.durationMs = options.durationMs ?? 1000;
    this.nextId = options.firstJobId ?? 1;
  }

  /** Queues jobs and wakes the requests waiting for them. */
  add(batch: JobBatch): void {
    if (!(batch.count > 0)) return;
    this.queues.push({
      remaining: batch.count,
      durationMs: batch.durationMs ?? this.durationMs,
      ...(batch.token !== undefined && { token: batch.token }),
    });
    for (const waiter of [...this.waiters]) if (this.queueFor(waiter.runner)) waiter.wake();
  }

  stats(): InMemoryJobSourceStats {
    return {
      queued: this.queues.reduce((sum, q) => sum + q.remaining, 0),
      handedOut: this.handedOut,
      running: this.running,
      finished: this.finished,
      requests: this.requests,
    };
  }

  async requestJob(runner: SimRunner, _systemId: string, signal: AbortSignal): Promise<Job | null> {
    this.requests++;
    const job = this.take(runner);
    if (job || this.longPollMs <= 0) return job;
    await this.waitForJob(runner, signal);
    return signal.aborted ? null : this.take(runner);
  }

  private queueFor(runner: SimRunner): Queue | undefined {
    return this.queues.find((q) => q.remaining > 0 && (q.token === undefined || q.token === runner.token));
  }

  private take(runner: SimRunner): Job | null {
    const queue = this.queueFor(runner);
    if (!queue) return null;
    queue.remaining--;
    if (queue.remaining === 0) this.queues.splice(this.queues.indexOf(queue), 1);
    this.handedOut++;
    const id = this.nextId++;
    const durationMs = queue.durationMs;
    return { id, run: (signal) => this.runJob(durationMs, signal) };
  }

  private async runJob(durationMs: number, signal: AbortSignal): Promise<JobOutcome> {
    this.running++;
    try {
      await delay(durationMs, undefined, { signal });
      return 'success';
    } catch {
      return 'canceled';
    } finally {
      this.running--;
      this.finished++;
    }
  }

  /** Resolves when a job for this runner is added, the long poll times out, or the request is aborted. */
  private async waitForJob(runner: SimRunner, signal: AbortSignal): Promise<void> {
    const woken = new AbortController();
    const waiter: Waiter = { runner, wake: () => woken.abort() };
    this.waiters.add(waiter);
    try {
      await delay(this.longPollMs, undefined, { signal: AbortSignal.any([signal, woken.signal]) });
    } catch {
      // Woken or aborted: either way the caller looks at the queues once more.
    } finally {
      this.waiters.delete(waiter);
    }
  }
}
