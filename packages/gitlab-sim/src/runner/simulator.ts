/**
 * RunnerSimulator: the parts of `gitlab-runner run` (19.4, commands/multi.go) that Paddock depends on, in one
 * process without executors.
 *
 * - Config: loaded at start (a broken file makes start() throw; a missing one means no runners), then re-checked
 *   every 3 s: reloaded only when the file's mtime is after the stored ModTime; `reload()` (SIGHUP) reloads
 *   unconditionally. A broken file keeps the previous config and is not re-read until its mtime moves again.
 *   `concurrent < 1` is fatal when the workers are next updated, at start or after a reload.
 * - system_id: read or created once, at start, beside config.toml; reloads keep it.
 * - Workers: `concurrent` slots. A feeder hands each runner with a token to an idle worker every
 *   `check_interval / len(runners)`; the worker takes a build slot of the runner's token (`limit`), a request
 *   slot (`request_concurrency`, adaptive by default), asks the job source, and on a job hands the runner to
 *   another idle worker at once (unless `strict_check_interval`) and runs the job in its slot.
 * - Verify: when the job source can (`verifyOnLoad`), every runner with a token is verified after each successful
 *   load (`POST /runners/verify` with its system_id), as `gitlab-runner verify` does. `gitlab-runner run` itself
 *   never verifies; deployments that run `verify` before `run` (or on every config change) look like this.
 * - Token rotation: the token due first is reset at 75 % of its life (`POST /runners/reset_authentication_token`),
 *   config.toml is loaded again, the new token put in and the file saved in gitlab-runner's format (save-config.ts);
 *   the simulator's ModTime then becomes the save time, so its own write does not count as a change. A successful
 *   reload restarts the schedule from the new config.
 * - Metrics: gitlab-runner's names and labels on `listen_address` `/metrics`, bound once at start.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { EXECUTORS, featureFlagDefault } from '@paddock/runner-config';
import { BuildsAccounting, type RunningBuild } from './builds.js';
import { CounterVec, renderExposition, type MetricFamily } from './exposition.js';
import type { Environment } from './go-expand-env.js';
import { Handoff } from './handoff.js';
import type { Job, JobOutcome, JobSource, VerifyResult } from './job-source.js';
import {
  ConfigLoadError,
  configFromModel,
  defaultConfig,
  fileModTimeNs,
  loadConfigFile,
  type LoadedConfig,
  type SimRunner,
} from './load-config.js';
import { resolveListenAddress, startMetricsServer, type MetricsServer } from './metrics-server.js';
import { savedConfigText, writeConfigFile } from './save-config.js';
import { loadSystemId } from './system-id.js';
import { nextRunnerToReset, withNewToken } from './token-rotation.js';

/** common.ReloadConfigInterval and common.CheckInterval. */
const RELOAD_INTERVAL_MS = 3000;
const DEFAULT_CHECK_INTERVAL_MS = 3000;
/** common.DefaultShutdownTimeout. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
const DEFAULT_STAGE = 'step_script';
const DEFAULT_EXECUTOR_STAGE = 'docker_run';
const ERROR_LEVELS = ['panic', 'fatal', 'error', 'warning'] as const;
const DISABLE_ROTATION_FLAG = 'FF_DISABLE_AUTOMATIC_TOKEN_ROTATION';
/**
 * After a failed token reset, the next try. gitlab-runner tries again at once (its client has already retried with
 * back-off); a pause keeps a broken GitLab from being hammered by a loop.
 */
const TOKEN_RESET_RETRY_MS = 3000;
/** gitlab-runner's job failure reason for a script that failed, and its execution mode without steps. */
const SCRIPT_FAILURE = 'script_failure';
const TRADITIONAL_MODE = 'traditional';

export type LogLevel = (typeof ERROR_LEVELS)[number] | 'info';

/** The labels of `gitlab_runner_version_info`. */
export interface VersionInfo {
  readonly name: string;
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly go_version: string;
  readonly built_at: string;
  readonly os: string;
  readonly architecture: string;
}

export interface RunnerSimulatorOptions {
  /** config.toml; `.runner_system_id` lives beside it. */
  readonly configPath: string;
  readonly jobSource: JobSource;
  /** Variables for `$VAR` in `url` and `token` (gitlab-runner reads its own environment); default none. */
  readonly env?: Environment;
  /** Where the machine-id may be (default /var/lib/dbus/machine-id, then /etc/machine-id). */
  readonly machineIdPaths?: readonly string[];
  /** `--listen-address`: wins over `listen_address` in the file. */
  readonly listenAddress?: string;
  /** How often the file's mtime is checked; default 3000 (gitlab-runner's fixed interval). */
  readonly reloadIntervalMs?: number;
  /** Replaces `check_interval` (seconds in the file), so that tests can feed faster. */
  readonly checkIntervalMs?: number;
  /** Replaces `shutdown_timeout` (seconds in the file) for a forceful stop. */
  readonly shutdownTimeoutMs?: number;
  /** Overrides of the `gitlab_runner_version_info` labels. */
  readonly version?: Partial<VersionInfo>;
  /** Verify every runner after each successful load, when the job source can (default true); see above. */
  readonly verifyOnLoad?: boolean;
  /** The wall clock, for `token_obtained_at`; default the system clock. */
  readonly now?: () => Date;
  /**
   * Runs `task` at `at` and returns what cancels it (gitlab-runner's `runAt` seam): tests take the token reset
   * schedule into their own hands. Default: a timer.
   */
  readonly runAt?: (at: Date, task: () => void) => () => void;
}

export type SimulatorStatus = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
export type ConfigTrigger = 'start' | 'mtime' | 'reload';

export type SimulatorEvent =
  | { readonly type: 'config-loaded'; readonly trigger: ConfigTrigger; readonly fromFile: boolean }
  | { readonly type: 'config-error'; readonly trigger: ConfigTrigger; readonly error: Error }
  /** One timer tick of the mtime check and what came of it. */
  | { readonly type: 'config-check'; readonly result: 'unchanged' | 'reloaded' | 'failed' | 'missing' }
  | { readonly type: 'workers'; readonly slots: number }
  | { readonly type: 'job-started'; readonly runner: SimRunner; readonly jobId: number }
  | {
      readonly type: 'job-finished';
      readonly runner: SimRunner;
      readonly jobId: number;
      readonly outcome: JobOutcome;
    }
  | { readonly type: 'runner-verified'; readonly runner: SimRunner; readonly result: VerifyResult }
  /** A token reset is scheduled for `at` (it may be in the past: then it runs at once). */
  | { readonly type: 'token-reset-scheduled'; readonly runner: SimRunner; readonly at: Date }
  /** The token was reset; `runner` is the entry with the new token; `saved` is false when the save failed. */
  | {
      readonly type: 'token-rotated';
      readonly runner: SimRunner;
      readonly previousShortToken: string;
      readonly saved: boolean;
    }
  | { readonly type: 'token-reset-failed'; readonly runner: SimRunner; readonly message: string }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string }
  | { readonly type: 'fatal'; readonly error: Error }
  | { readonly type: 'stopped'; readonly exit: SimulatorExit };

export type SimulatorExit =
  | { readonly reason: 'stopped'; readonly graceful: boolean; readonly timedOut: boolean }
  | { readonly reason: 'fatal'; readonly error: Error };

export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

export interface EffectiveLimit {
  readonly index: number;
  readonly name: string;
  readonly shortToken: string;
  /** `limit` as written (0 or less: unlimited). */
  readonly limit: number;
  readonly concurrent: number;
  /** min(limit or ∞, concurrent): the most jobs this runner can run here at once. */
  readonly effective: number;
}

export interface RunnerState {
  readonly shortToken: string;
  readonly runnerName: string;
  /** Workers holding this token's build slots: requesting plus running (what `limit` caps). */
  readonly slots: number;
  /** Job requests in flight (what `request_concurrency` caps). */
  readonly requests: number;
  readonly running: number;
  /** Requests not made because `request_concurrency` (or its adaptive part) was reached. */
  readonly requestsExceeded: number;
  readonly requestConcurrencyUsed: number;
  readonly adaptiveLimit: number;
}

export interface SimulatorState {
  readonly status: SimulatorStatus;
  readonly systemId: string;
  readonly concurrent: number;
  readonly workerSlots: number;
  /** The loaded config came from a file (false: the defaults of a missing file). */
  readonly fromFile: boolean;
  /** ModTime of the loaded config, nanoseconds. */
  readonly modTimeNs: bigint;
  /** Per runner token that has been polled, like gitlab-runner's counters. */
  readonly runners: readonly RunnerState[];
  readonly running: number;
  readonly requests: number;
  readonly configurationLoaded: number;
  readonly configurationLoadingErrors: number;
  readonly configurationSaved: number;
  readonly configurationSavingErrors: number;
  readonly metricsAddress: { readonly host: string; readonly port: number } | null;
}

/** Thrown by a job source to have a failed request logged at error level (403, other 4xx) instead of warning. */
export class JobRequestError extends Error {
  constructor(
    message: string,
    readonly level: 'error' | 'warning' = 'warning',
  ) {
    super(message);
    this.name = 'JobRequestError';
  }
}

function goArch(arch: string): string {
  return (
    (
      { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le' } as Record<
        string,
        string
      >
    )[arch] ?? arch
  );
}

/** Node's timers overflow above 2^31 − 1 ms (about 24.8 days); token lifetimes are often longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function runAtTimer(at: Date, task: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const wait = at.getTime() - Date.now();
    timer = wait > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(task, Math.max(0, wait));
  };
  arm();
  return () => clearTimeout(timer);
}

function isAbort(e: unknown): boolean {
  return (e as { name?: unknown }).name === 'AbortError';
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export class RunnerSimulator {
  private readonly options: RunnerSimulatorOptions;
  private readonly env: Environment;
  private status: SimulatorStatus = 'created';
  private processState: 'starting' | 'running' | 'graceful-shutdown' | 'forceful-shutdown' = 'starting';
  private config: LoadedConfig = defaultConfig();
  private systemId = '';
  private workers = 0;
  private readonly handoff = new Handoff<SimRunner>();
  private readonly builds = new BuildsAccounting(() => this.systemId);
  /** Aborted when the run loop must end: stops feeding, cancels open job requests (runInterruptSignal). */
  private readonly interrupt = new AbortController();
  /** Aborted to kill running jobs (abortBuilds). */
  private readonly abortJobs = new AbortController();
  private wakeLoop: (() => void) | undefined;
  private pendingReload: Deferred<ReloadResult> | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly exit = deferred<SimulatorExit>();
  private stopping: Promise<SimulatorExit> | undefined;
  private forceful: Promise<boolean> | undefined;
  /** Settles with "timed out?" when a forceful stop is over, so that a graceful stop it escalated ends too. */
  private readonly forcefulDone = deferred<boolean>();
  private metricsServer: MetricsServer | undefined;
  private readonly listeners = new Set<(event: SimulatorEvent) => void>();

  private loadedTotal = 0;
  private loadingErrorTotal = 0;
  private savedTotal = 0;
  private savingErrorTotal = 0;
  /** Aborted (and replaced) on every successful reload, so that the token reset schedule starts over. */
  private configReloaded = new AbortController();
  private readonly now: () => Date;
  private readonly errorsByLevel = new Map<string, number>(ERROR_LEVELS.map((l) => [l, 0]));
  private readonly labels = ['runner', 'runner_name', 'system_id'];
  private readonly feeds = new CounterVec(
    'gitlab_runner_worker_feeds_total',
    'Times a runner was handed to the workers.',
    this.labels,
  );
  private readonly feedFailures = new CounterVec(
    'gitlab_runner_worker_feed_failures_total',
    'Times a runner was not handed to the workers (no token, or unhealthy).',
    this.labels,
  );
  private readonly processingFailures = new CounterVec(
    'gitlab_runner_worker_processing_failures_total',
    'Worker rounds that ended in an error, by kind.',
    ['failure_type', ...this.labels],
  );
  private readonly healthCheckFailures = new CounterVec(
    'gitlab_runner_worker_health_check_failures_total',
    'Health check failures of a runner (health is not simulated: always 0).',
    this.labels,
  );
  private readonly slotOperations = new CounterVec(
    'gitlab_runner_worker_slot_operations_total',
    'Worker slots started and stopped.',
    ['operation'],
  );
  private readonly failedJobs = new CounterVec(
    'gitlab_runner_failed_jobs_total',
    'Jobs that failed, by failure reason and execution mode.',
    ['runner', 'runner_name', 'failure_reason', 'mode'],
  );

  constructor(options: RunnerSimulatorOptions) {
    this.options = options;
    this.env = options.env ?? {};
    this.now = options.now ?? (() => new Date());
  }

  /** Listens to what happens inside; returns the function that stops listening. */
  on(listener: (event: SimulatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next event that matches; rejects after `timeoutMs` (default 10 s) so a test fails instead of hanging. */
  nextEvent<E extends SimulatorEvent>(
    match: (event: SimulatorEvent) => event is E,
    timeoutMs?: number,
  ): Promise<E>;
  nextEvent(match: (event: SimulatorEvent) => boolean, timeoutMs?: number): Promise<SimulatorEvent>;
  nextEvent(match: (event: SimulatorEvent) => boolean, timeoutMs = 10_000): Promise<SimulatorEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching simulator event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
    });
  }

  /**
   * Loads the config and the system_id, binds the metrics listener and starts the workers. Throws when
   * gitlab-runner would not start: a broken config.toml, an unreadable `.runner_system_id`, an unknown log level,
   * or a metrics address it cannot listen on.
   */
  async start(): Promise<void> {
    if (this.status !== 'created') throw new Error(`cannot start a simulator that is ${this.status}`);
    this.status = 'starting';
    try {
      await this.startInner();
    } catch (e) {
      this.status = 'failed';
      this.interrupt.abort();
      this.abortJobs.abort();
      await this.metricsServer?.close();
      this.exit.resolve({ reason: 'fatal', error: e as Error });
      throw e;
    }
  }

  private async startInner(): Promise<void> {
    const result = await this.reloadConfig('start', true);
    if (!result.ok) throw result.error;

    // Start() pre-creates these series for the runners known at start.
    for (const r of this.config.runners) {
      const labels = [r.shortToken, r.name, this.systemId];
      this.feeds.touch(labels);
      this.feedFailures.touch(labels);
      for (const type of ['other', 'no_free_executor', 'job_failure'])
        this.processingFailures.touch([type, ...labels]);
    }
    this.slotOperations.touch(['started']);
    this.slotOperations.touch(['stopped']);

    // run(): the metrics listener is set up once; a later listen_address change needs a restart.
    const address = this.options.listenAddress || this.config.listenAddress;
    const where = resolveListenAddress(address);
    if (where && !where.ok) {
      if (where.fatal) throw new Error(`Failed to create listener for metrics server: ${where.error}`);
      this.log('error', `invalid listen address: ${where.error}`);
    } else if (where) {
      try {
        this.metricsServer = await startMetricsServer(where, () => this.metricsText());
      } catch (e) {
        throw new Error(`Failed to create listener for metrics server: ${(e as Error).message}`, {
          cause: e,
        });
      }
    } else {
      this.log('info', 'listen_address not defined, metrics & debug endpoints disabled');
    }

    // Like `gitlab-runner verify` before `run`: the first job request comes after the verification.
    await this.verifyRunners(this.config);

    this.status = 'running';
    this.processState = 'running';
    // Nothing in these loops should throw; if something does, die loudly rather than hang.
    this.feed().catch((e: unknown) => this.die(e as Error));
    this.rotateTokens().catch((e: unknown) => this.die(e as Error));
    this.loopDone = this.loop().catch((e: unknown) => this.die(e as Error));
  }

  /**
   * SIGHUP: reload config.toml now, whatever its mtime. Settles once the run loop has done it (it waits while the
   * loop waits for busy workers to scale down, as gitlab-runner's does).
   */
  reload(): Promise<ReloadResult> {
    if (this.status !== 'running') {
      return Promise.resolve({ ok: false, error: new Error(`the simulator is ${this.status}`) });
    }
    this.pendingReload ??= deferred<ReloadResult>();
    const { promise } = this.pendingReload;
    this.wakeLoop?.();
    return promise;
  }

  /**
   * Stops. Forceful by default (SIGTERM/SIGINT): running jobs are aborted, and after the shutdown timeout the
   * simulator stops without waiting for them. Graceful (SIGQUIT): no new job requests, running jobs finish.
   * Calling it again forcefully during a graceful stop escalates, like a second signal.
   */
  stop(options: { graceful?: boolean } = {}): Promise<SimulatorExit> {
    const graceful = options.graceful ?? false;
    if (this.stopping) {
      if (!graceful && this.processState === 'graceful-shutdown') void this.beginForceful();
      return this.stopping;
    }
    if (this.status === 'created') {
      this.status = 'stopped';
      this.exit.resolve({ reason: 'stopped', graceful, timedOut: false });
    }
    if (this.status !== 'running') return this.exit.promise;
    this.status = 'stopping';
    this.interrupt.abort();
    this.stopping = (async () => {
      let timedOut: boolean;
      if (graceful) {
        this.processState = 'graceful-shutdown';
        this.log('warning', 'Starting graceful shutdown, waiting for builds to finish');
        timedOut = await Promise.race([this.loopDone.then(() => false), this.forcefulDone.promise]);
      } else {
        timedOut = await this.beginForceful();
      }
      await this.metricsServer?.close();
      const exit: SimulatorExit = {
        reason: 'stopped',
        graceful: this.processState === 'graceful-shutdown',
        timedOut,
      };
      if (this.status === 'stopping') {
        this.status = 'stopped';
        this.exit.resolve(exit);
        this.emit({ type: 'stopped', exit });
      }
      return this.exit.promise;
    })();
    return this.stopping;
  }

  /** Settles when the simulator has stopped, or died of a fatal error. */
  stopped(): Promise<SimulatorExit> {
    return this.exit.promise;
  }

  /** handleForcefulShutdown: abort running jobs, then wait for the workers or the shutdown timeout. */
  private beginForceful(): Promise<boolean> {
    this.forceful ??= (async () => {
      this.processState = 'forceful-shutdown';
      this.log('warning', 'Starting forceful shutdown');
      this.abortJobs.abort();
      const timeoutMs =
        this.options.shutdownTimeoutMs ??
        (this.config.shutdownTimeout > 0 ? this.config.shutdownTimeout * 1000 : DEFAULT_SHUTDOWN_TIMEOUT_MS);
      const timer = new AbortController();
      const timeout = delay(timeoutMs, true, { signal: timer.signal }).catch(() => false);
      const timedOut = await Promise.race([this.loopDone.then(() => false), timeout]);
      timer.abort();
      this.forcefulDone.resolve(timedOut);
      return timedOut;
    })();
    return this.forceful;
  }

  /** gitlab-runner's Fatal: everything ends at once, running jobs included. */
  private die(error: Error): void {
    if (this.status !== 'running' && this.status !== 'stopping') return;
    this.status = 'failed';
    this.log('fatal', error.message);
    this.interrupt.abort();
    this.abortJobs.abort();
    const exit: SimulatorExit = { reason: 'fatal', error };
    this.emit({ type: 'fatal', error });
    void (this.metricsServer?.close() ?? Promise.resolve()).then(() => {
      this.exit.resolve(exit);
      this.emit({ type: 'stopped', exit });
    });
  }

  /** Per runner of the loaded config: the most jobs it can run here at once. */
  effectiveLimits(): EffectiveLimit[] {
    const concurrent = this.config.concurrent;
    return this.config.runners.map((r) => ({
      index: r.index,
      name: r.name,
      shortToken: r.shortToken,
      limit: r.limit,
      concurrent,
      effective: Math.min(r.limit > 0 ? r.limit : Infinity, concurrent),
    }));
  }

  /** A snapshot for tests and the CLI. */
  state(): SimulatorState {
    const builds = this.builds.builds();
    const runners: RunnerState[] = [...this.builds.countersByToken()].map(([token, c]) => ({
      shortToken: c.shortToken,
      runnerName: c.runnerName,
      slots: c.builds,
      requests: c.requests,
      running: builds.filter((b) => b.runner.token === token).length,
      requestsExceeded: c.exceeded,
      requestConcurrencyUsed: c.usedLimit,
      adaptiveLimit: c.adaptiveLimit,
    }));
    const address = this.metricsServer?.address;
    return {
      status: this.status,
      systemId: this.systemId,
      concurrent: this.config.concurrent,
      workerSlots: this.workers,
      fromFile: this.config.fromFile,
      modTimeNs: this.config.modTimeNs,
      runners,
      running: builds.length,
      requests: runners.reduce((sum, r) => sum + r.requests, 0),
      configurationLoaded: this.loadedTotal,
      configurationLoadingErrors: this.loadingErrorTotal,
      configurationSaved: this.savedTotal,
      configurationSavingErrors: this.savingErrorTotal,
      metricsAddress: address ? { host: address.address, port: address.port } : null,
    };
  }

  /** The `/metrics` body. */
  metricsText(): string {
    return renderExposition(this.families());
  }

  private versionInfo(): VersionInfo {
    return {
      name: 'gitlab-runner',
      version: '19.4.0',
      revision: 'd79f3e7b',
      branch: '19-4-stable',
      go_version: 'unknown',
      built_at: '',
      os: process.platform,
      architecture: goArch(process.arch),
      ...this.options.version,
    };
  }

  private families(): MetricFamily[] {
    const version = this.versionInfo();
    const versionLabels = Object.keys(version) as Array<keyof VersionInfo>;
    const gauge = (name: string, help: string, value: number): MetricFamily => ({
      name,
      help,
      type: 'gauge',
      labelNames: [],
      samples: [{ labels: [], value }],
    });
    const counter = (name: string, help: string, value: number): MetricFamily => ({
      ...gauge(name, help, value),
      type: 'counter',
    });
    return [
      {
        name: 'gitlab_runner_version_info',
        help: 'Always 1; the labels describe the build of gitlab-runner being simulated.',
        type: 'gauge',
        labelNames: versionLabels,
        samples: [{ labels: versionLabels.map((k) => version[k]), value: 1 }],
      },
      gauge('gitlab_runner_concurrent', 'The concurrent setting in use.', this.config.concurrent),
      {
        name: 'gitlab_runner_limit',
        help: 'The limit setting of each runner (0: unlimited).',
        type: 'gauge',
        labelNames: this.labels,
        samples: this.config.runners.map((r) => ({
          labels: [r.shortToken, r.name, this.systemId],
          value: r.limit,
        })),
      },
      gauge('gitlab_runner_worker_slots_number', 'Worker slots running now.', this.workers),
      this.slotOperations.family(),
      this.feeds.family(),
      this.feedFailures.family(),
      this.processingFailures.family(),
      this.healthCheckFailures.family(),
      ...this.builds.families(),
      counter('gitlab_runner_configuration_loaded_total', 'Times config.toml was loaded.', this.loadedTotal),
      counter(
        'gitlab_runner_configuration_loading_error_total',
        'Times config.toml could not be loaded.',
        this.loadingErrorTotal,
      ),
      counter('gitlab_runner_configuration_saved_total', 'Times config.toml was saved.', this.savedTotal),
      counter(
        'gitlab_runner_configuration_saving_error_total',
        'Times config.toml could not be saved.',
        this.savingErrorTotal,
      ),
      this.failedJobs.family(),
      {
        name: 'gitlab_runner_errors_total',
        help: 'Log lines at warning level or worse, by level.',
        type: 'counter',
        labelNames: ['level'],
        samples: ERROR_LEVELS.map((level) => ({
          labels: [level],
          value: this.errorsByLevel.get(level) ?? 0,
        })),
      },
      {
        name: 'gitlab_runner_process_state_info',
        help: 'Always 1; the label is the state of the process.',
        type: 'gauge',
        labelNames: ['state'],
        samples: [{ labels: [this.processState], value: 1 }],
      },
      ...(this.options.jobSource.metricFamilies?.() ?? []),
    ];
  }

  private emit(event: SimulatorEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  /** A log line; warning and worse also count in `gitlab_runner_errors_total` (logrus hook). */
  private log(level: LogLevel, message: string): void {
    if (level !== 'info') this.errorsByLevel.set(level, (this.errorsByLevel.get(level) ?? 0) + 1);
    this.emit({ type: 'log', level, message });
  }

  /**
   * `reloadConfig`: load, count, keep the system_id; the new config is in place as soon as the file loaded, even
   * when the logging settings then fail (that failure still makes the reload report an error).
   */
  private async reloadConfig(trigger: ConfigTrigger, first = false): Promise<ReloadResult> {
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfigFile(this.options.configPath, this.env);
    } catch (e) {
      this.loadingErrorTotal++;
      const error = e instanceof ConfigLoadError ? e : new ConfigLoadError(String(e));
      this.emit({ type: 'config-error', trigger, error });
      return { ok: false, error };
    }
    this.loadedTotal++;
    if (first) {
      const id = await loadSystemId(this.options.configPath, {
        ...(this.options.machineIdPaths && { machineIdPaths: this.options.machineIdPaths }),
      }).catch((e: Error) => e);
      if (id instanceof Error) return { ok: false, error: id };
      this.systemId = id.systemId;
      if (id.saveError)
        this.log('warning', `Couldn't save new system ID on state file: ${id.saveError.message}`);
    }
    this.config = loaded;
    if (loaded.loggingError) {
      const error = new ConfigLoadError(loaded.loggingError);
      this.emit({ type: 'config-error', trigger, error });
      return { ok: false, error };
    }
    for (const warning of loaded.warnings) this.log('warning', warning);
    this.log('info', 'Configuration loaded');
    this.emit({ type: 'config-loaded', trigger, fromFile: loaded.fromFile });
    // configReloaded: the token reset schedule is computed again from this config.
    this.configReloaded.abort();
    this.configReloaded = new AbortController();
    // At start, start() awaits the verification itself; later ones run beside the loop.
    if (!first) void this.verifyRunners(loaded);
    return { ok: true };
  }

  /** `gitlab-runner verify` for every runner with a token, all at once; failures are only logged. */
  private async verifyRunners(config: LoadedConfig): Promise<void> {
    const source = this.options.jobSource;
    if (!source.verifyRunner || this.options.verifyOnLoad === false) return;
    const verify = source.verifyRunner.bind(source);
    await Promise.all(
      config.runners
        .filter((r) => r.token.trim() !== '')
        .map(async (runner) => {
          let result: VerifyResult;
          try {
            result = await verify(runner, this.systemId);
          } catch (e) {
            result = { status: 'failed', message: (e as Error).message };
          }
          const who = `runner=${runner.shortToken}`;
          if (result.status === 'valid') this.log('info', `Verifying runner... is valid ${who}`);
          else if (result.status === 'invalid') this.log('info', `Verifying runner... is not valid ${who}`);
          else this.log('error', `Verifying runner... failed ${who}: ${result.message}`);
          this.emit({ type: 'runner-verified', runner, result });
        }),
    );
  }

  /**
   * `resetRunnerTokens`: wait for the token due first, reset it, save; start over after a reload. Ends when the
   * simulator stops, or for good when the token due has FF_DISABLE_AUTOMATIC_TOKEN_ROTATION (as gitlab-runner's
   * loop does after its warning).
   */
  private async rotateTokens(): Promise<void> {
    const source = this.options.jobSource;
    if (!source.resetToken) return;
    let retryAt: number | undefined;
    while (!this.interrupt.signal.aborted) {
      const due = nextRunnerToReset(this.config.runners);
      const at = due && retryAt !== undefined ? Math.max(due.at, retryAt) : due?.at;
      const woke = await this.waitForReset(due && at !== undefined ? { ...due, at } : undefined);
      if (woke !== 'due' || !due) {
        retryAt = undefined;
        continue;
      }
      const runner = due.runner;
      if (runner.entry.feature_flags?.[DISABLE_ROTATION_FLAG] ?? featureFlagDefault(DISABLE_ROTATION_FLAG)) {
        this.log(
          'warning',
          `Automatic token rotation is disabled for runner: ${runner.shortToken}-${this.systemId}. ` +
            'Your token is about to expire',
        );
        return;
      }
      const rotated = await this.resetOneToken(runner);
      retryAt = rotated ? undefined : this.now().getTime() + TOKEN_RESET_RETRY_MS;
    }
  }

  /** Settles with 'due' at the reset time, 'reloaded' when the config was reloaded first, or 'stopped'. */
  private waitForReset(
    due: { runner: SimRunner; at: number } | undefined,
  ): Promise<'due' | 'reloaded' | 'stopped'> {
    const reloaded = this.configReloaded.signal;
    const interrupt = this.interrupt.signal;
    if (interrupt.aborted) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      let cancel: (() => void) | undefined;
      const settle = (result: 'due' | 'reloaded' | 'stopped'): void => {
        reloaded.removeEventListener('abort', onReload);
        interrupt.removeEventListener('abort', onStop);
        cancel?.();
        resolve(result);
      };
      const onReload = (): void => settle('reloaded');
      const onStop = (): void => settle('stopped');
      reloaded.addEventListener('abort', onReload, { once: true });
      interrupt.addEventListener('abort', onStop, { once: true });
      if (due) {
        const at = new Date(due.at);
        this.emit({ type: 'token-reset-scheduled', runner: due.runner, at });
        cancel = (this.options.runAt ?? runAtTimer)(at, () => {
          cancel = undefined;
          settle('due');
        });
      }
    });
  }

  /**
   * `resetOneRunnerToken` for a due runner: load config.toml again (it becomes the running config, as
   * `configfile.Load` makes it), reset the token of the first entry with that token, save. True when the token
   * was reset.
   */
  private async resetOneToken(due: SimRunner): Promise<boolean> {
    const source = this.options.jobSource;
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfigFile(this.options.configPath, this.env);
    } catch (e) {
      this.loadingErrorTotal++;
      this.log('error', `Failed to load config (token reset): ${(e as Error).message}`);
      return false;
    }
    this.loadedTotal++;
    this.config = loaded;
    const runner = loaded.runners.find((r) => r.token === due.token);
    if (!runner || !source.resetToken) {
      this.log(
        'error',
        `Failed to load config (token reset): resetting token for runner: ${due.shortToken}: not found`,
      );
      return false;
    }
    let result;
    try {
      result = await source.resetToken(runner, this.systemId);
    } catch (e) {
      result = { ok: false as const, message: (e as Error).message };
    }
    if (!result.ok) {
      this.log(
        'error',
        `Resetting runner authentication token... failed runner=${runner.shortToken}: ${result.message}`,
      );
      this.emit({ type: 'token-reset-failed', runner, message: result.message });
      return false;
    }
    this.log('info', `Resetting runner authentication token... succeeded runner=${runner.shortToken}`);
    const model = withNewToken(loaded.model, runner.index, result.token, this.now().getTime());
    let modTimeNs = loaded.modTimeNs;
    let saved = false;
    try {
      await writeConfigFile(this.options.configPath, savedConfigText(model, this.env));
      this.savedTotal++;
      saved = true;
      // SaveConfig sets ModTime to now. The file's own mtime can be a hair later than a millisecond clock, so
      // take the later of the two: the simulator's own write must not look like an edit.
      const mtime = (await fileModTimeNs(this.options.configPath)) ?? 0n;
      const nowNs = BigInt(Date.now()) * 1_000_000n;
      modTimeNs = mtime > nowNs ? mtime : nowNs;
    } catch (e) {
      this.savingErrorTotal++;
      this.log('error', `Failed to save config: ${(e as Error).message}`);
    }
    // The new token is in use even when the save failed: gitlab-runner changed its in-memory config first.
    this.config = configFromModel(model, this.env, true, modTimeNs);
    const updated = this.config.runners[runner.index] ?? runner;
    this.emit({ type: 'token-rotated', runner: updated, previousShortToken: runner.shortToken, saved });
    return true;
  }

  /** `checkConfig`, on the timer: reload only when the file is newer than the loaded config. */
  private async checkConfig(): Promise<void> {
    const before = this.config;
    let mtime: bigint | undefined;
    try {
      mtime = await fileModTimeNs(this.options.configPath);
    } catch (e) {
      this.log('error', `Failed to load config ${(e as Error).message}`);
      this.emit({ type: 'config-check', result: 'failed' });
      return;
    }
    if (mtime === undefined) {
      this.log('error', `Failed to load config stat ${this.options.configPath}: no such file or directory`);
      this.emit({ type: 'config-check', result: 'missing' });
      return;
    }
    if (!(before.modTimeNs < mtime)) {
      this.emit({ type: 'config-check', result: 'unchanged' });
      return;
    }
    const result = await this.reloadConfig('mtime');
    if (!result.ok) {
      // gitlab-runner logs this failure twice: in checkConfig and again in updateConfig.
      this.log('error', `Failed to load config ${result.error.message}`);
      this.log('error', `Failed to load config ${result.error.message}`);
      // Do not re-read the same broken file on every tick.
      before.modTimeNs = mtime;
    }
    this.emit({ type: 'config-check', result: result.ok ? 'reloaded' : 'failed' });
  }

  /** `updateConfig`: wait for the timer, a reload request or the end. */
  private async updateConfig(): Promise<void> {
    if (!this.pendingReload) {
      const woken = new AbortController();
      this.wakeLoop = () => woken.abort();
      const ms = this.options.reloadIntervalMs ?? RELOAD_INTERVAL_MS;
      await delay(ms, undefined, { signal: AbortSignal.any([woken.signal, this.interrupt.signal]) }).catch(
        () => undefined,
      );
      this.wakeLoop = undefined;
    }
    if (this.interrupt.signal.aborted) return;
    const pending = this.pendingReload;
    if (pending) {
      this.pendingReload = undefined;
      const result = await this.reloadConfig('reload');
      if (!result.ok) this.log('error', `Failed to load config ${result.error.message}`);
      pending.resolve(result);
      return;
    }
    await this.checkConfig();
  }

  /** `run()`'s loop: match the worker slots to `concurrent`, then wait for the next config event. */
  private async loop(): Promise<void> {
    try {
      while (!this.interrupt.signal.aborted) {
        const concurrent = this.config.concurrent;
        if (concurrent < 1) {
          this.die(
            new Error(
              `Current configuration 'concurrent = ${concurrent}' means that no jobs will be processed ` +
                '(gitlab-runner exits fatally)',
            ),
          );
          return;
        }
        const before = this.workers;
        while (this.workers > concurrent) {
          // Only an idle worker takes the order, so this waits for running jobs to end.
          await this.handoff.stopOne(this.interrupt.signal);
          this.workers--;
        }
        while (this.workers < concurrent) {
          this.worker().catch((e: unknown) => this.die(e as Error));
          this.workers++;
        }
        if (this.workers !== before) this.emit({ type: 'workers', slots: this.workers });
        await this.updateConfig();
      }
    } catch (e) {
      if (!isAbort(e)) throw e;
    }
    this.pendingReload?.resolve({ ok: false, error: new Error('the simulator stopped') });
    this.pendingReload = undefined;
    if (this.status === 'failed') return;
    // stopWorkers: each worker stops once idle, i.e. after its job (aborted or not) ends.
    while (this.workers > 0) {
      await this.handoff.stopOne();
      this.workers--;
    }
    this.emit({ type: 'workers', slots: 0 });
  }

  /** `feedRunners`: hand every runner with a token to a worker, spread over check_interval. */
  private async feed(): Promise<void> {
    const signal = this.interrupt.signal;
    try {
      while (!signal.aborted) {
        const config = this.config;
        const intervalMs =
          this.options.checkIntervalMs ??
          (config.checkInterval > 0 ? config.checkInterval * 1000 : DEFAULT_CHECK_INTERVAL_MS);
        if (config.runners.length === 0) {
          await delay(intervalMs, undefined, { signal });
          continue;
        }
        for (const runner of config.runners) {
          await this.feedRunner(runner, signal);
          await delay(intervalMs / config.runners.length, undefined, { signal });
        }
      }
    } catch (e) {
      if (!isAbort(e)) throw e;
    }
  }

  private async feedRunner(runner: SimRunner, signal: AbortSignal): Promise<void> {
    const labels = [runner.shortToken, runner.name, this.systemId];
    if (runner.token.trim() === '') {
      this.feedFailures.add(labels);
      return;
    }
    this.healthCheckFailures.touch(labels);
    this.feeds.add(labels);
    await this.handoff.send(runner, signal);
  }

  /** `processRunners`: one worker slot. */
  private async worker(): Promise<void> {
    this.slotOperations.add(['started']);
    for (;;) {
      const message = await this.handoff.receive();
      if (message.kind === 'stop') {
        this.slotOperations.add(['stopped']);
        return;
      }
      const runner = message.runner;
      try {
        await this.processRunner(runner);
      } catch (e) {
        this.processingFailures.add(['other', runner.shortToken, runner.name, this.systemId]);
        this.log('warning', `Failed to process runner: ${(e as Error).message}`);
      }
    }
  }

  /** `processRunner` + `processBuildOnRunner`, without executors. */
  private async processRunner(runner: SimRunner): Promise<void> {
    if (!EXECUTORS.includes(runner.executor)) {
      this.log('error', `Executor "${runner.executor}" is not known; marking Runner as unhealthy`);
      return;
    }
    if (!this.builds.acquireBuild(runner)) return;
    try {
      if (!this.builds.acquireRequest(runner)) return;
      let job: Job | null = null;
      // A stopping gitlab-runner cancels new requests at once (doJobRequest's interrupt).
      if (!this.interrupt.signal.aborted) {
        try {
          job = await this.options.jobSource.requestJob(runner, this.systemId, this.interrupt.signal);
        } catch (e) {
          if (!isAbort(e)) {
            const level = e instanceof JobRequestError ? e.level : 'warning';
            this.log(level, `Checking for jobs... failed: ${(e as Error).message}`);
          }
        }
      }
      this.builds.releaseRequest(runner, job !== null, false);
      if (!job) return;
      await this.runJob(runner, job);
    } finally {
      this.builds.releaseBuild(runner);
    }
  }

  private async runJob(runner: SimRunner, job: Job): Promise<void> {
    const build: RunningBuild = {
      jobId: job.id,
      runner,
      state: 'running',
      stage: job.stage ?? DEFAULT_STAGE,
      executorStage: job.executorStage ?? DEFAULT_EXECUTOR_STAGE,
    };
    this.builds.addBuild(build);
    this.emit({ type: 'job-started', runner, jobId: job.id });
    // Let another idle worker poll the same runner at once, to pick up queued jobs faster.
    if (!runner.strictCheckInterval) this.handoff.offer(runner);
    let outcome: JobOutcome;
    try {
      outcome = (await job.run(this.abortJobs.signal)) ?? 'success';
    } catch {
      outcome = 'failed';
    }
    this.builds.removeBuild(build);
    if (outcome === 'failed') {
      this.log('warning', `Job failed: exit code 1 job=${job.id} runner=${runner.shortToken}`);
      this.failedJobs.add([runner.shortToken, runner.name, SCRIPT_FAILURE, TRADITIONAL_MODE]);
    }
    if (outcome !== 'success') {
      this.processingFailures.add(['job_failure', runner.shortToken, runner.name, this.systemId]);
    }
    this.emit({ type: 'job-finished', runner, jobId: job.id, outcome });
  }
}
