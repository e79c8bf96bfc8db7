/**
 * Strict command-line parsing for `paddock-agent`: every flag is known, every value present and checked, so a
 * typo stops the agent at start (exit 2) instead of running with a default the operator did not mean.
 */
import { normalizeServerUrl, ServerUrlError } from '../connection/server-url.js';

export const DEFAULT_STATE_DIR = '/var/lib/paddock-agent';
export const DEFAULT_CONFIG_PATH = '/etc/gitlab-runner/config.toml';

export type Command =
  | { command: 'help' }
  | { command: 'version' }
  | {
      command: 'enroll';
      server: string;
      token: string;
      stateDir: string;
      configPath: string;
      force: boolean;
    }
  | {
      command: 'run';
      configPath: string;
      stateDir: string;
      /** explicit metrics URL; null = derive it from config.toml */
      runnerMetrics: string | null;
    };

/** Values the parser may fall back on, read from the environment by main. */
export interface ArgDefaults {
  stateDir?: string;
  enrollToken?: string;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage:
  paddock-agent enroll --server URL --token TOKEN [--state-dir DIR] [--config PATH] [--force]
  paddock-agent run --config PATH [--state-dir DIR] [--runner-metrics URL]
  paddock-agent --help | --version

Commands:
  enroll   trade a Paddock enrollment token for this machine's credential, kept in the state directory
  run      keep gitlab-runner's config.toml in line with Paddock (the daemon; see deploy/paddock-agent.service)

Options:
  --server URL          Paddock's base URL, e.g. https://paddock.example.com
  --token TOKEN         enrollment token from Paddock (or env PADDOCK_AGENT_ENROLL_TOKEN, kept out of ps)
  --state-dir DIR       where the credential and applied state live
                        (default: env PADDOCK_AGENT_STATE_DIR, else ${DEFAULT_STATE_DIR})
  --config PATH         gitlab-runner's config.toml (enroll default: ${DEFAULT_CONFIG_PATH})
  --force               enroll again even though a credential exists (replaces it)
  --runner-metrics URL  gitlab-runner's Prometheus endpoint (default: from listen_address in config.toml,
                        else http://127.0.0.1:9252/metrics)

Environment:
  PADDOCK_AGENT_LOG_LEVEL   debug | info | warn | error (default info)
  PADDOCK_AGENT_HOSTNAME    the host name reported to Paddock (default: the system's)
`;

interface FlagSpec {
  takesValue: boolean;
}

const FLAGS: Record<'enroll' | 'run', Record<string, FlagSpec>> = {
  enroll: {
    server: { takesValue: true },
    token: { takesValue: true },
    'state-dir': { takesValue: true },
    config: { takesValue: true },
    force: { takesValue: false },
  },
  run: {
    config: { takesValue: true },
    'state-dir': { takesValue: true },
    'runner-metrics': { takesValue: true },
  },
};

/** Parses `argv` (without node and the script). Throws UsageError with a message naming the problem. */
export function parseArgs(argv: readonly string[], defaults: ArgDefaults = {}): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command');
  if (first === '--help' || first === '-h' || first === 'help') {
    if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
    return { command: 'help' };
  }
  if (first === '--version' || first === 'version') {
    if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
    return { command: 'version' };
  }
  if (first !== 'enroll' && first !== 'run') {
    throw new UsageError(
      first.startsWith('-') ? `unknown flag "${first}" before the command` : `unknown command "${first}"`,
    );
  }
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help' };

  const flags = readFlags(first, rest);
  const stateDir = nonEmpty(flags.get('state-dir') ?? defaults.stateDir ?? DEFAULT_STATE_DIR, '--state-dir');

  if (first === 'enroll') {
    const server = flags.get('server');
    if (server === undefined) throw new UsageError('enroll needs --server URL');
    const token = flags.get('token') ?? defaults.enrollToken;
    if (token === undefined)
      throw new UsageError('enroll needs --token TOKEN (or PADDOCK_AGENT_ENROLL_TOKEN)');
    return {
      command: 'enroll',
      server: checkServer(server),
      token: nonEmpty(token, '--token'),
      stateDir,
      configPath: nonEmpty(flags.get('config') ?? DEFAULT_CONFIG_PATH, '--config'),
      force: flags.has('force'),
    };
  }

  const configPath = flags.get('config');
  if (configPath === undefined)
    throw new UsageError(`run needs --config PATH (usually ${DEFAULT_CONFIG_PATH})`);
  const metrics = flags.get('runner-metrics');
  return {
    command: 'run',
    configPath: nonEmpty(configPath, '--config'),
    stateDir,
    runnerMetrics: metrics === undefined ? null : checkMetricsUrl(metrics),
  };
}

function readFlags(command: 'enroll' | 'run', args: readonly string[]): Map<string, string> {
  const specs = FLAGS[command];
  const seen = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag "--${name}" for ${command}`);
    if (seen.has(name)) throw new UsageError(`--${name} given twice`);
    if (!spec.takesValue) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      seen.set(name, '');
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      // "--server --token x" is a missing value, not a server named "--token".
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    seen.set(name, value);
  }
  return seen;
}

function nonEmpty(value: string, flag: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} must not be empty`);
  return value;
}

function checkServer(value: string): string {
  try {
    return normalizeServerUrl(value);
  } catch (err) {
    if (err instanceof ServerUrlError) throw new UsageError(`--server: ${err.message}`);
    throw err;
  }
}

function checkMetricsUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--runner-metrics: not a URL: "${value}" (expected e.g. http://127.0.0.1:9252/metrics)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('--runner-metrics must be an http:// or https:// URL');
  }
  return url.toString();
}
