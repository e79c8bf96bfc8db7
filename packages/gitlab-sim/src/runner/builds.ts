/**
 * gitlab-runner's per-token job accounting (commands/builds_helper.go): how many workers hold a build slot of a
 * runner token (`limit` caps requesting + running), how many job requests are in flight (`request_concurrency`,
 * with the adaptive AIMD limit of FF_USE_ADAPTIVE_REQUEST_CONCURRENCY), and the list of running builds behind
 * `gitlab_runner_jobs`. Counters are keyed by the token, so `[[runners]]` entries sharing a token share them, and
 * they are never dropped: the idle `gitlab_runner_jobs` series of a removed runner stays, as in gitlab-runner.
 */
import { CounterVec, type MetricFamily, type Sample } from './exposition.js';
import type { SimRunner } from './load-config.js';

const INCREASE_AFTER_JOB = 1.1;
const DECREASE_AFTER_EMPTY = 0.95;
const DECREASE_AFTER_RETRY = 0.5;

export interface RunnerCounter {
  readonly shortToken: string;
  /** The name and system_id of the entry that first used this token (gitlab-runner keeps those too). */
  readonly runnerName: string;
  readonly systemId: string;
  /** Workers holding a build slot: requesting or running. */
  builds: number;
  /** Job requests in flight. */
  requests: number;
  hardLimit: number;
  adaptiveLimit: number;
  usedLimit: number;
  exceeded: number;
}

/** One job being run, with the runner config it started with. */
export interface RunningBuild {
  readonly jobId: number;
  readonly runner: SimRunner;
  readonly state: string;
  readonly stage: string;
  readonly executorStage: string;
}

export class BuildsAccounting {
  private readonly counters = new Map<string, RunnerCounter>();
  private readonly running = new Set<RunningBuild>();
  readonly jobsTotal = new CounterVec(
    'gitlab_runner_jobs_total',
    'Jobs this process has taken, per runner.',
    ['runner', 'runner_name', 'system_id'],
  );

  constructor(private readonly systemId: () => string) {}

  counter(runner: SimRunner): RunnerCounter {
    let counter = this.counters.get(runner.token);
    if (!counter) {
      counter = {
        shortToken: runner.shortToken,
        runnerName: runner.name,
        systemId: this.systemId(),
        builds: 0,
        requests: 0,
        hardLimit: 0,
        adaptiveLimit: 0,
        usedLimit: 0,
        exceeded: 0,
      };
      this.counters.set(runner.token, counter);
      this.jobsTotal.touch([runner.shortToken, runner.name, counter.systemId]);
    }
    return counter;
  }

  /** `acquireBuild`: false when the token already has `limit` workers requesting or running. */
  acquireBuild(runner: SimRunner): boolean {
    const counter = this.counter(runner);
    if (runner.limit > 0 && counter.builds >= runner.limit) return false;
    counter.builds++;
    return true;
  }

  releaseBuild(runner: SimRunner): void {
    const counter = this.counter(runner);
    if (counter.builds > 0) counter.builds--;
  }

  /** `acquireRequest`: false (and counted as exceeded) when the in-flight requests reach the limit in use. */
  acquireRequest(runner: SimRunner): boolean {
    const counter = this.counter(runner);
    counter.hardLimit = runner.requestConcurrency;
    const limit = runner.adaptiveRequestConcurrency
      ? Math.min(Math.max(1, Math.ceil(counter.adaptiveLimit)), runner.requestConcurrency)
      : runner.requestConcurrency;
    counter.usedLimit = limit;
    if (counter.requests >= limit) {
      counter.exceeded++;
      return false;
    }
    counter.requests++;
    return true;
  }

  /** `releaseRequest`: also moves the adaptive limit (AIMD) when the flag is on. */
  releaseRequest(runner: SimRunner, gotJob: boolean, retried: boolean): void {
    const counter = this.counter(runner);
    if (runner.adaptiveRequestConcurrency) {
      const factor = retried ? DECREASE_AFTER_RETRY : gotJob ? INCREASE_AFTER_JOB : DECREASE_AFTER_EMPTY;
      counter.adaptiveLimit = Math.min(
        Math.max(1, counter.adaptiveLimit * factor),
        runner.requestConcurrency,
      );
    }
    if (counter.requests > 0) counter.requests--;
  }

  addBuild(build: RunningBuild): void {
    this.running.add(build);
    this.jobsTotal.add([build.runner.shortToken, build.runner.name, this.systemId()]);
  }

  removeBuild(build: RunningBuild): void {
    this.running.delete(build);
  }

  builds(): RunningBuild[] {
    return [...this.running];
  }

  /** Counters by token, for state() and the metrics. */
  countersByToken(): ReadonlyMap<string, RunnerCounter> {
    return this.counters;
  }

  /** `gitlab_runner_jobs` and the `gitlab_runner_request_concurrency*` families (builds_helper.go `Collect`). */
  families(): MetricFamily[] {
    const jobs = new Map<string, { labels: string[]; value: number }>();
    const bump = (labels: string[], by: number): void => {
      const key = JSON.stringify(labels);
      const row = jobs.get(key);
      if (row) row.value += by;
      else jobs.set(key, { labels, value: by });
    };
    const counters = [...this.counters.values()];
    for (const c of counters) bump([c.shortToken, c.runnerName, c.systemId, 'idle', 'idle', 'idle'], 0);
    for (const b of this.running) {
      bump([b.runner.shortToken, b.runner.name, this.systemId(), b.state, b.stage, b.executorStage], 1);
    }
    // Keyed by short token like gitlab-runner's runnersCounters: tokens that shorten alike show as one series.
    const byShortToken = new Map(counters.map((c) => [c.shortToken, c]));
    const perRunner = (pick: (c: RunnerCounter) => number): Sample[] =>
      [...byShortToken.values()].map((c) => ({ labels: [c.shortToken, c.systemId], value: pick(c) }));
    const runnerLabels = ['runner', 'system_id'];
    return [
      {
        name: 'gitlab_runner_jobs',
        help: 'Jobs being handled now, by state and stage; an all-idle series per runner token that has polled.',
        type: 'gauge',
        labelNames: ['runner', 'runner_name', 'system_id', 'state', 'stage', 'executor_stage'],
        samples: [...jobs.values()],
      },
      {
        name: 'gitlab_runner_request_concurrency',
        help: 'Job requests in flight.',
        type: 'gauge',
        labelNames: runnerLabels,
        samples: perRunner((c) => c.requests),
      },
      {
        name: 'gitlab_runner_request_concurrency_exceeded_total',
        help: 'Job requests not made because the request concurrency limit was reached.',
        type: 'counter',
        labelNames: runnerLabels,
        samples: perRunner((c) => c.exceeded),
      },
      {
        name: 'gitlab_runner_request_concurrency_hard_limit',
        help: 'The configured request_concurrency (at least 1).',
        type: 'gauge',
        labelNames: runnerLabels,
        samples: perRunner((c) => c.hardLimit),
      },
      {
        name: 'gitlab_runner_request_concurrency_adaptive_limit',
        help: 'The adaptive request concurrency limit (AIMD).',
        type: 'gauge',
        labelNames: runnerLabels,
        samples: perRunner((c) => c.adaptiveLimit),
      },
      {
        name: 'gitlab_runner_request_concurrency_used_limit',
        help: 'The request concurrency limit applied to the last request.',
        type: 'gauge',
        labelNames: runnerLabels,
        samples: perRunner((c) => c.usedLimit),
      },
      this.jobsTotal.family(),
    ];
  }
}
