/**
 * A JobSource for tests that records, per runner token, how many requests are in flight and how many jobs run at
 * once (and their peaks), independently of the simulator's own accounting. Requests can be held open (a long poll
 * that only ends when the test says so) and jobs run until the test finishes them.
 */
import type { Job, JobSource } from '../runner/job-source.js';
import type { SimRunner } from '../runner/load-config.js';

interface Counts {
  inFlight: number;
  running: number;
  peakInFlight: number;
  peakRunning: number;
  /** requesting + running: what `limit` caps. */
  peakHeld: number;
}

export interface ObservingOptions {
  /** Hand out a job for every request (default true). */
  readonly jobs?: boolean;
  /** Keep every request open until releaseRequests() (default false). */
  readonly holdRequests?: boolean;
}

export class ObservingJobSource implements JobSource {
  jobs: boolean;
  holdRequests: boolean;
  private nextId = 1;
  private readonly counts = new Map<string, Counts>();
  private totalRunning = 0;
  private totalInFlight = 0;
  peakTotalRunning = 0;
  /** requests + running over all runners: what `concurrent` caps. */
  peakTotalHeld = 0;
  handedOut = 0;
  private readonly finishers = new Set<() => void>();
  private readonly held = new Set<() => void>();
  private readonly listeners = new Set<() => void>();

  constructor(options: ObservingOptions = {}) {
    this.jobs = options.jobs ?? true;
    this.holdRequests = options.holdRequests ?? false;
  }

  of(token: string): Counts {
    let c = this.counts.get(token);
    if (!c) {
      c = { inFlight: 0, running: 0, peakInFlight: 0, peakRunning: 0, peakHeld: 0 };
      this.counts.set(token, c);
    }
    return c;
  }

  get running(): number {
    return this.totalRunning;
  }

  /** Forget the peaks, keeping the current values as the new peaks. */
  resetPeaks(): void {
    for (const c of this.counts.values()) {
      c.peakInFlight = c.inFlight;
      c.peakRunning = c.running;
      c.peakHeld = c.inFlight + c.running;
    }
    this.peakTotalRunning = this.totalRunning;
    this.peakTotalHeld = this.totalRunning + this.totalInFlight;
  }

  /** Resolves when `predicate` holds, checking after every change here (no polling). */
  until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error('condition not reached in time'));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  /** Ends every running job. */
  finishAll(): void {
    for (const finish of [...this.finishers]) finish();
  }

  /** Answers every held request. */
  releaseRequests(): void {
    for (const release of [...this.held]) release();
  }

  private changed(): void {
    for (const c of this.counts.values()) {
      c.peakInFlight = Math.max(c.peakInFlight, c.inFlight);
      c.peakRunning = Math.max(c.peakRunning, c.running);
      c.peakHeld = Math.max(c.peakHeld, c.inFlight + c.running);
    }
    this.peakTotalRunning = Math.max(this.peakTotalRunning, this.totalRunning);
    this.peakTotalHeld = Math.max(this.peakTotalHeld, this.totalRunning + this.totalInFlight);
    for (const listener of [...this.listeners]) listener();
  }

  async requestJob(runner: SimRunner, _systemId: string, signal: AbortSignal): Promise<Job | null> {
    const c = this.of(runner.token);
    c.inFlight++;
    this.totalInFlight++;
    this.changed();
    try {
      if (this.holdRequests) {
        await new Promise<void>((resolve) => {
          const release = (): void => {
            this.held.delete(release);
            signal.removeEventListener('abort', release);
            resolve();
          };
          this.held.add(release);
          signal.addEventListener('abort', release, { once: true });
        });
      }
      if (!this.jobs || signal.aborted) return null;
      this.handedOut++;
      return this.job(runner.token);
    } finally {
      c.inFlight--;
      this.totalInFlight--;
      this.changed();
    }
  }

  private job(token: string): Job {
    const id = this.nextId++;
    return {
      id,
      run: (signal) => {
        const c = this.of(token);
        c.running++;
        this.totalRunning++;
        this.changed();
        return new Promise((resolve) => {
          const finish = (): void => {
            this.finishers.delete(finish);
            signal.removeEventListener('abort', cancel);
            c.running--;
            this.totalRunning--;
            this.changed();
            resolve('success');
          };
          const cancel = (): void => finish();
          this.finishers.add(finish);
          signal.addEventListener('abort', cancel, { once: true });
        });
      },
    };
  }
}
