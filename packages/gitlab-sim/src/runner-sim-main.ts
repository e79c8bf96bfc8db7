/**
 * The `runner-sim` command line: runs a RunnerSimulator on a config.toml, taking jobs from a GitLab (`--gitlab URL`
 * for every runner, or `--gitlab-from-config` for each `[[runners]]` entry's own `url`, like gitlab-runner) or, by
 * default, from an in-memory queue (`--jobs`, `--job-seconds`). `main`
 * takes its arguments and its I/O (output, environment, signals) as parameters so that tests run it in-process;
 * runner-sim-cli.ts is the thin executable around it.
 *
 * Signals as in gitlab-runner: SIGHUP reloads config.toml; SIGTERM and SIGINT stop forcefully (running jobs are
 * aborted); SIGQUIT stops gracefully (running jobs finish). Exit codes: 0 stopped; 1 the simulator did not start or
 * died (broken config.toml, `concurrent < 1`, metrics address taken); 2 bad usage.
 */
import { GitlabJobSource } from './gitlab/gitlab-job-source.js';
import { InMemoryJobSource } from './runner/in-memory-job-source.js';
import type { JobSource } from './runner/job-source.js';
import type { Environment } from './runner/go-expand-env.js';
import { RunnerSimulator, type SimulatorEvent } from './runner/simulator.js';

export type StopSignal = 'SIGTERM' | 'SIGINT' | 'SIGQUIT';
export type HandledSignal = StopSignal | 'SIGHUP';

export interface RunnerSimIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** For `$VAR` in `url` and `token`, as gitlab-runner expands them from its environment. */
  readonly env: Environment;
  /** Subscribes to a process signal; returns the function that unsubscribes. */
  readonly onSignal: (signal: HandledSignal, handler: () => void) => () => void;
}

export const nodeIo: RunnerSimIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  onSignal: (signal, handler) => {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },
};

export const USAGE = `Usage: runner-sim --config PATH [--listen-address ADDR]
         [--gitlab URL | --gitlab-from-config] [--time-scale F] [--trace-interval S] [--no-verify]
         [--jobs N] [--job-seconds S]

Runs a simulated gitlab-runner on PATH (config.toml): it reloads the file like gitlab-runner, keeps the
system_id beside it, takes jobs within concurrent/limit/request_concurrency and serves gitlab-runner's metrics
on listen_address. With a GitLab it also verifies its runners, streams job logs, reports job outcomes and
rotates expiring tokens, rewriting config.toml as gitlab-runner does.

Options:
  -c, --config PATH          the config.toml to run (required; it may not exist yet)
  --listen-address ADDR      metrics address, instead of listen_address in the file
  --gitlab URL               take jobs from the GitLab at URL, for every runner
  --gitlab-from-config       take jobs from the GitLab in each runner's url, like gitlab-runner
  --time-scale F             with a GitLab: factor on job run times and trace intervals (default 1)
  --trace-interval S         with a GitLab: seconds between trace patches (default: as GitLab asks)
  --no-verify                with a GitLab: do not verify the runners after each load
  --jobs N                   without a GitLab: jobs to hand out, a number or "unlimited" (default 0)
  --job-seconds S            without a GitLab: how long each job runs, in seconds (default 10)
  -h, --help                 show this text

Signals: SIGHUP reloads; SIGTERM/SIGINT stop and abort running jobs; SIGQUIT waits for them.
`;

interface GitlabArgs {
  /** Absent: each runner's own url. */
  readonly url?: string;
  readonly timeScale: number;
  readonly traceInterval?: number;
  readonly verify: boolean;
}

interface Args {
  readonly config: string;
  readonly jobs: number;
  readonly jobSeconds: number;
  readonly listenAddress?: string;
  readonly gitlab?: GitlabArgs;
}

/** Flags that take no value. */
const SWITCHES = new Set(['--gitlab-from-config', '--no-verify']);

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a number above 0, not ${text}`);
  }
  return n;
}

function gitlabArgs(values: ReadonlyMap<string, string>): GitlabArgs | undefined {
  const url = values.get('gitlab');
  const fromConfig = values.has('gitlab-from-config');
  const gitlabOnly = ['time-scale', 'trace-interval', 'no-verify'].filter((k) => values.has(k));
  if (!url && !fromConfig) {
    if (gitlabOnly.length > 0)
      throw new UsageError(`--${gitlabOnly[0]} needs --gitlab or --gitlab-from-config`);
    return undefined;
  }
  if (url && fromConfig) throw new UsageError('--gitlab and --gitlab-from-config exclude each other');
  const memoryOnly = ['jobs', 'job-seconds'].filter((k) => values.has(k));
  if (memoryOnly.length > 0) throw new UsageError(`--${memoryOnly[0]} is for runs without a GitLab`);
  if (url && !/^https?:\/\/[^/]/.test(url))
    throw new UsageError(`--gitlab must be an http(s) URL, not ${url}`);
  const timeScale = values.has('time-scale')
    ? positiveNumber('--time-scale', values.get('time-scale') ?? '')
    : 1;
  const interval = values.get('trace-interval');
  return {
    ...(url && { url }),
    timeScale,
    ...(interval !== undefined && { traceInterval: positiveNumber('--trace-interval', interval) }),
    verify: !values.has('no-verify'),
  };
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args | 'help' {
  const values = new Map<string, string>();
  const names: Record<string, string> = {
    '-c': 'config',
    '--config': 'config',
    '--jobs': 'jobs',
    '--job-seconds': 'job-seconds',
    '--listen-address': 'listen-address',
    '--gitlab': 'gitlab',
    '--gitlab-from-config': 'gitlab-from-config',
    '--time-scale': 'time-scale',
    '--trace-interval': 'trace-interval',
    '--no-verify': 'no-verify',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return 'help';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const name = names[flag];
    if (!name) throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    if (SWITCHES.has(flag) && eq > 0) throw new UsageError(`${flag} takes no value`);
    const value = SWITCHES.has(flag) ? '' : eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (values.has(name)) throw new UsageError(`${flag} given twice`);
    values.set(name, value);
  }
  const config = values.get('config');
  if (!config) throw new UsageError('--config PATH is required');
  const jobsText = values.get('jobs') ?? '0';
  const jobs = jobsText === 'unlimited' ? Infinity : /^\d+$/.test(jobsText) ? Number(jobsText) : NaN;
  if (Number.isNaN(jobs))
    throw new UsageError(`--jobs must be a whole number or "unlimited", not ${jobsText}`);
  const secondsText = values.get('job-seconds') ?? '10';
  const jobSeconds = Number(secondsText);
  if (secondsText.trim() === '' || !Number.isFinite(jobSeconds) || jobSeconds <= 0) {
    throw new UsageError(`--job-seconds must be a number of seconds above 0, not ${secondsText}`);
  }
  const listenAddress = values.get('listen-address');
  const gitlab = gitlabArgs(values);
  return {
    config,
    jobs,
    jobSeconds,
    ...(listenAddress !== undefined && { listenAddress }),
    ...(gitlab && { gitlab }),
  };
}

function describe(event: SimulatorEvent): string | undefined {
  switch (event.type) {
    case 'log':
      return `${event.level}: ${event.message}`;
    case 'config-error':
      return `error: config.toml (${event.trigger}): ${event.error.message}`;
    case 'workers':
      return `info: ${event.slots} worker slots`;
    case 'job-started':
      return `info: job ${event.jobId} started on runner ${event.runner.shortToken} (${event.runner.name})`;
    case 'job-finished':
      return `info: job ${event.jobId} ${event.outcome} on runner ${event.runner.shortToken}`;
    case 'token-rotated':
      return (
        `info: token of runner ${event.previousShortToken} (${event.runner.name}) rotated to ` +
        `${event.runner.shortToken}${event.saved ? ', config.toml saved' : ', config.toml NOT saved'}`
      );
    default:
      return undefined;
  }
}

function metricsUrl(address: { host: string; port: number }): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}/metrics`;
}

export async function main(argv: readonly string[], io: RunnerSimIo): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`runner-sim: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.stdout(USAGE);
    return 0;
  }

  let memory: InMemoryJobSource | undefined;
  let source: JobSource;
  if (args.gitlab) {
    const { url, timeScale, traceInterval } = args.gitlab;
    source = new GitlabJobSource({
      ...(url !== undefined && { url }),
      timeScale,
      ...(traceInterval !== undefined && { traceUpdateIntervalSeconds: traceInterval }),
    });
  } else {
    memory = new InMemoryJobSource({ durationMs: args.jobSeconds * 1000 });
    memory.add({ count: args.jobs });
    source = memory;
  }
  const simulator = new RunnerSimulator({
    configPath: args.config,
    jobSource: source,
    env: io.env,
    ...(args.listenAddress !== undefined && { listenAddress: args.listenAddress }),
    ...(args.gitlab && { verifyOnLoad: args.gitlab.verify }),
  });
  const stopListening = simulator.on((event) => {
    const line = describe(event);
    if (line) io.stderr(`runner-sim: ${line}\n`);
  });
  const unsubscribe: Array<() => void> = [];
  try {
    try {
      await simulator.start();
    } catch (e) {
      io.stderr(`runner-sim: cannot start: ${(e as Error).message}\n`);
      return 1;
    }
    unsubscribe.push(
      io.onSignal('SIGHUP', () => {
        void simulator.reload().then((result) => {
          io.stderr(
            `runner-sim: SIGHUP: ${result.ok ? 'configuration reloaded' : 'reload failed, see above'}\n`,
          );
        });
      }),
      io.onSignal('SIGTERM', () => void simulator.stop()),
      io.onSignal('SIGINT', () => void simulator.stop()),
      io.onSignal('SIGQUIT', () => void simulator.stop({ graceful: true })),
    );

    // Announced only once the signal handlers are in place, so that a SIGHUP right after this line is handled.
    const state = simulator.state();
    const metrics = state.metricsAddress
      ? `metrics on ${metricsUrl(state.metricsAddress)}`
      : 'no metrics listener';
    io.stderr(
      `runner-sim: started with system_id ${state.systemId}, ${simulator.effectiveLimits().length} runners, ${metrics}\n`,
    );

    const exit = await simulator.stopped();
    if (exit.reason === 'fatal') {
      io.stderr(`runner-sim: fatal: ${exit.error.message}\n`);
      return 1;
    }
    const stats = memory?.stats();
    io.stderr(
      `runner-sim: stopped${exit.timedOut ? ' (shutdown timed out)' : ''}` +
        (stats ? `; jobs handed out ${stats.handedOut}, finished ${stats.finished}` : '') +
        '\n',
    );
    return 0;
  } finally {
    for (const off of unsubscribe) off();
    stopListening();
  }
}
