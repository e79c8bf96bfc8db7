/**
 * The `gitlab-sim` command line: serves a GitlabSimulator until SIGINT or SIGTERM. `main` takes its arguments and
 * I/O as parameters so tests run it in-process; gitlab-sim-cli.ts is the thin executable around it. The URL and
 * the administrator token go to stdout on start (one `key: value` line each, for scripts); everything else to
 * stderr. Exit codes: 0 stopped by a signal, 1 could not listen, 2 bad usage.
 */
import { GitlabSimulator } from './simulator.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface GitlabSimIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Subscribes to a process signal; returns the function that unsubscribes. */
  readonly onSignal: (signal: StopSignal, handler: () => void) => () => void;
}

export const nodeIo: GitlabSimIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignal: (signal, handler) => {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },
};

export const USAGE = `Usage: gitlab-sim [--port P] [--host H] [--admin-token T] [--seed N] [--generator on|off]
                  [--projects N] [--pipeline-seconds S] [--runner-token-expiry-seconds S]

Serves a simulated GitLab (REST API v4 and the runner API) from memory.

Options:
  --port P                         port to listen on (default 0: any free port)
  --host H                         address to listen on (default 127.0.0.1)
  --admin-token T                  the administrator's access token (default: a random glpat- token)
  --seed N                         make tokens and generated pipelines the same on every run
  --generator on|off               create projects and keep pipelines coming (default on)
  --projects N                     projects the generator creates (default 3)
  --pipeline-seconds S             a new pipeline every S seconds (default 30)
  --runner-token-expiry-seconds S  runner tokens expire S seconds after creation or reset (default never)
  -h, --help                       show this text

SIGINT or SIGTERM stops it.
`;

interface Args {
  readonly port: number;
  readonly host: string;
  readonly adminToken?: string;
  readonly seed?: number;
  readonly generator: boolean;
  readonly projects: number;
  readonly pipelineSeconds: number;
  readonly runnerTokenExpirySeconds?: number;
}

class UsageError extends Error {}

const FLAGS = [
  'port',
  'host',
  'admin-token',
  'seed',
  'generator',
  'projects',
  'pipeline-seconds',
  'runner-token-expiry-seconds',
] as const;
type Flag = (typeof FLAGS)[number];

function parseArgs(argv: readonly string[]): Args | 'help' {
  const values = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return 'help';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = (eq > 0 ? arg.slice(2, eq) : arg.slice(2)) as Flag;
    if (!arg.startsWith('--') || !FLAGS.includes(name))
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    values.set(name, value);
  }
  const whole = (name: Flag, min: number, max: number, fallback?: number): number | undefined => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max))
      throw new UsageError(
        `--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`,
      );
    return n;
  };
  const positive = (name: Flag, fallback?: number): number | undefined => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(`--${name} must be a number of seconds above 0, not ${JSON.stringify(text)}`);
    }
    return n;
  };
  const generatorText = values.get('generator') ?? 'on';
  if (generatorText !== 'on' && generatorText !== 'off') {
    throw new UsageError(`--generator must be on or off, not ${JSON.stringify(generatorText)}`);
  }
  const adminToken = values.get('admin-token');
  if (adminToken !== undefined && !/^[\x21-\x7e]+$/.test(adminToken)) {
    throw new UsageError('--admin-token must be printable ASCII without spaces');
  }
  const host = values.get('host') ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  const seed = whole('seed', 0, 0xffffffff);
  const expiry = positive('runner-token-expiry-seconds');
  return {
    port: whole('port', 0, 65535, 0) as number,
    host,
    ...(adminToken !== undefined && { adminToken }),
    ...(seed !== undefined && { seed }),
    generator: generatorText === 'on',
    projects: whole('projects', 1, 1000, 3) as number,
    pipelineSeconds: positive('pipeline-seconds', 30) as number,
    ...(expiry !== undefined && { runnerTokenExpirySeconds: expiry }),
  };
}

export async function main(argv: readonly string[], io: GitlabSimIo): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`gitlab-sim: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.stdout(USAGE);
    return 0;
  }

  const sim = new GitlabSimulator({
    ...(args.adminToken !== undefined && { adminToken: args.adminToken }),
    ...(args.seed !== undefined && { seed: args.seed }),
    ...(args.runnerTokenExpirySeconds !== undefined && {
      runnerTokenExpirationIntervalSeconds: args.runnerTokenExpirySeconds,
    }),
    ...(args.generator && {
      generator: { projects: args.projects, pipelineIntervalMs: args.pipelineSeconds * 1000 },
    }),
    onError: (error) =>
      io.stderr(`gitlab-sim: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`),
  });
  let stop: () => void = () => undefined;
  const stopped = new Promise<StopSignal>((resolve) => {
    const offs = (['SIGINT', 'SIGTERM'] as const).map((signal) => io.onSignal(signal, () => resolve(signal)));
    stop = () => offs.forEach((off) => off());
  });
  try {
    let url: string;
    try {
      url = await sim.listen(args.port, args.host);
    } catch (e) {
      io.stderr(`gitlab-sim: cannot listen on ${args.host}:${args.port}: ${(e as Error).message}\n`);
      return 1;
    }
    io.stdout(`url: ${url}\napi: ${url}/api/v4\nadmin-token: ${sim.adminToken}\n`);
    io.stderr(
      `gitlab-sim: serving ${sim.store.projects.size} projects${args.generator ? `, a new pipeline every ${args.pipelineSeconds} s` : ''}\n`,
    );
    const signal = await stopped;
    await sim.close();
    io.stderr(`gitlab-sim: ${signal}: stopped after ${sim.requests.count()} requests\n`);
    return 0;
  } finally {
    stop();
  }
}
