/**
 * Loading config.toml the way `gitlab-runner run` does (common/config.go `LoadConfig`, configfile.go `Load`,
 * commands/multi.go `reloadConfig`), on top of @paddock/runner-config's parser and validator:
 *  - a missing file is not an error: the defaults apply (`concurrent = 1`, no runners) and ModTime stays zero;
 *  - TOML or type errors, and what gitlab-runner's own `Validate` refuses (bad Go durations, labels, ...), fail the
 *    load;
 *  - what only `gitlab-runner lint` rejects (unknown keys, empty url/token, shell), and what only hurts at run time
 *    (unknown executor, pull policies, `concurrent < 1`), does not: the file loads, and the simulator deals with the
 *    consequence later, as gitlab-runner does;
 *  - an unknown `log_level`/`log_format` loads, but the reload then fails (`updateLoggingConfiguration`);
 *  - `url` and `token` go through `os.ExpandEnv`;
 *  - ModTime is the file's mtime in nanoseconds, read before the file is decoded.
 */
import { readFile, stat } from 'node:fs/promises';
import {
  featureFlagDefault,
  isZeroDatetime,
  parseRunnerConfig,
  parseTomlDatetime,
  validateRunnerConfig,
  type Problem,
  type RunnerConfig,
  type RunnerEntry,
} from '@paddock/runner-config';
import { goExpandEnv, type Environment } from './go-expand-env.js';
import { shortenToken } from './short-token.js';

const ADAPTIVE_FLAG = 'FF_USE_ADAPTIVE_REQUEST_CONCURRENCY';
const SUSPENDABLE_FLAG = 'FF_SUSPENDABLE_ENVIRONMENTS';

/** One `[[runners]]` entry as the simulator uses it. */
export interface SimRunner {
  /** Position in `[[runners]]`. */
  readonly index: number;
  readonly name: string;
  /** After `$VAR` expansion. */
  readonly url: string;
  /** After `$VAR` expansion; the key of gitlab-runner's `limit` and `request_concurrency` accounting. */
  readonly token: string;
  /** The `runner` metric label. */
  readonly shortToken: string;
  readonly executor: string;
  /** As written; 0 or less means unlimited. */
  readonly limit: number;
  /** `max(1, request_concurrency)` (`GetRequestConcurrency`). */
  readonly requestConcurrency: number;
  /** `FF_USE_ADAPTIVE_REQUEST_CONCURRENCY`, on unless the entry turns it off. */
  readonly adaptiveRequestConcurrency: boolean;
  /** `strict_check_interval = true`: no immediate re-poll after receiving a job. */
  readonly strictCheckInterval: boolean;
  /** `token_obtained_at`, ms since the epoch; absent is Go's zero time. */
  readonly tokenObtainedAt: number;
  /** `token_expires_at`, ms since the epoch; null when absent or zero (the token does not expire). */
  readonly tokenExpiresAt: number | null;
  /** The parsed entry, as written. */
  readonly entry: RunnerEntry;
}

export interface LoadedConfig {
  /** False when there was no file: the defaults apply. */
  readonly fromFile: boolean;
  /** As written (default 1); below 1 is fatal once the workers are updated, not at load. */
  readonly concurrent: number;
  /** Seconds, as written; 0 or less means 3 s. */
  readonly checkInterval: number;
  readonly listenAddress: string;
  /** Seconds, as written; 0 or less means 30 s. */
  readonly shutdownTimeout: number;
  readonly runners: readonly SimRunner[];
  /** The file's mtime in nanoseconds at load; 0 without a file. */
  modTimeNs: bigint;
  /** Warnings gitlab-runner logs on every (re)load; each counts in `gitlab_runner_errors_total{level="warning"}`. */
  readonly warnings: readonly string[];
  /** An unknown `log_level`/`log_format`: the config is in place, but the (re)load reports an error. */
  readonly loggingError?: string;
  /** The parsed file, as written: what a save (token rotation) starts from. */
  readonly model: RunnerConfig;
}

/** The file could not be loaded; gitlab-runner keeps its previous config (or does not start). */
export class ConfigLoadError extends Error {
  constructor(
    message: string,
    readonly problems: readonly Problem[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ConfigLoadError';
  }
}

/** Paths of checks that only `gitlab-runner lint` or a running job cares about; they never fail a load. */
const NOT_AT_LOAD: readonly RegExp[] = [
  /^concurrent$/,
  /^runners\[\d+\]\.(url|token|shell|executor)$/,
  /\.(pull_policy|allowed_pull_policies)(\[\d+\])?$/,
  /\.dns_policy$/,
  /\.idle_time$/,
];
const LOGGING = /^log_(level|format)$/;

function failsLoad(problem: Problem): boolean {
  if (problem.severity !== 'error' || LOGGING.test(problem.path)) return false;
  if (problem.message.startsWith('unknown key')) return false;
  return !NOT_AT_LOAD.some((re) => re.test(problem.path));
}

/** Go's zero `time.Time` (0001-01-01T00:00:00Z) in ms since the epoch. */
const ZERO_TIME_MS = -62_135_596_800_000;

/**
 * A TOML datetime as ms since the epoch; undefined when absent or Go's zero time. A datetime without an offset is
 * read in the local zone, as BurntSushi decodes it into a `time.Time`.
 */
function datetimeMs(text: string | undefined): number | undefined {
  if (text === undefined || isZeroDatetime(text)) return undefined;
  const parsed = parseTomlDatetime(text);
  if (parsed?.epochSeconds !== undefined)
    return Number(parsed.epochSeconds) * 1000 + Math.floor(parsed.nanos / 1e6);
  const local = Date.parse(text);
  return Number.isNaN(local) ? undefined : local;
}

function describe(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
}

function toSimRunner(entry: RunnerEntry, index: number, env: Environment): SimRunner {
  const token = goExpandEnv(entry.token ?? '', env);
  const flags = entry.feature_flags ?? {};
  return {
    index,
    name: entry.name ?? '',
    url: goExpandEnv(entry.url ?? '', env),
    token,
    shortToken: shortenToken(token),
    executor: entry.executor ?? '',
    limit: entry.limit ?? 0,
    requestConcurrency: Math.max(1, entry.request_concurrency ?? 0),
    adaptiveRequestConcurrency: flags[ADAPTIVE_FLAG] ?? featureFlagDefault(ADAPTIVE_FLAG),
    strictCheckInterval: entry.strict_check_interval ?? false,
    tokenObtainedAt: datetimeMs(entry.token_obtained_at) ?? ZERO_TIME_MS,
    tokenExpiresAt: datetimeMs(entry.token_expires_at) ?? null,
    entry,
  };
}

/** The warnings of `reloadConfig` and `checkConfigConcurrency`, one per log line gitlab-runner writes. */
function loadWarnings(concurrent: number, runners: readonly SimRunner[]): string[] {
  const warnings: string[] = [];
  for (const r of runners) {
    if (r.url.replace(/\/+$/, '').endsWith('/ci'))
      warnings.push(`runner ${r.shortToken}: legacy '/ci' URL suffix`);
    if (r.token.trim() === '') warnings.push(`runner ${r.name}: empty token, skipped when polling for jobs`);
    if (
      (r.entry.id ?? 0) <= 0 &&
      (r.entry.feature_flags?.[SUSPENDABLE_FLAG] ?? featureFlagDefault(SUSPENDABLE_FLAG))
    ) {
      warnings.push(`runner ${r.shortToken}: ${SUSPENDABLE_FLAG} without an id`);
    }
  }
  const starving = concurrent < runners.length;
  const lowRequestConcurrency = runners.some((r) => r.requestConcurrency === 1);
  if (starving || lowRequestConcurrency) warnings.push('CONFIGURATION: Long polling issues detected');
  return warnings;
}

/** The config gitlab-runner runs with for a parsed file (or, with `fromFile` false, for none). */
export function configFromModel(
  model: RunnerConfig,
  env: Environment,
  fromFile: boolean,
  modTimeNs: bigint,
): LoadedConfig {
  const runners = (model.runners ?? []).map((entry, i) => toSimRunner(entry, i, env));
  const concurrent = model.concurrent ?? 1;
  return {
    fromFile,
    concurrent,
    checkInterval: model.check_interval ?? 0,
    listenAddress: model.listen_address ?? '',
    shutdownTimeout: model.shutdown_timeout ?? 0,
    runners,
    modTimeNs,
    warnings: loadWarnings(concurrent, runners),
    model,
  };
}

/** The config gitlab-runner runs with when config.toml does not exist. */
export function defaultConfig(): LoadedConfig {
  return configFromModel({}, {}, false, 0n);
}

/** The file's mtime in nanoseconds; undefined when it does not exist. Other stat errors throw. */
export async function fileModTimeNs(path: string): Promise<bigint | undefined> {
  try {
    return (await stat(path, { bigint: true })).mtimeNs;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Loads config.toml; throws ConfigLoadError when gitlab-runner would refuse the file. */
export async function loadConfigFile(path: string, env: Environment = {}): Promise<LoadedConfig> {
  let modTimeNs: bigint | undefined;
  let bytes: Buffer;
  try {
    modTimeNs = await fileModTimeNs(path);
    if (modTimeNs === undefined) return defaultConfig();
    bytes = await readFile(path);
  } catch (e) {
    throw new ConfigLoadError(`reading ${path}: ${(e as Error).message}`, [], { cause: e });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new ConfigLoadError(`decoding configuration file: ${path} is not valid UTF-8`, [], { cause: e });
  }
  const parsed = parseRunnerConfig(text);
  if (!parsed.ok) {
    throw new ConfigLoadError(`decoding configuration file: ${describe(parsed.problems)}`, parsed.problems);
  }
  const problems = validateRunnerConfig(parsed.config);
  const refused = problems.filter(failsLoad);
  if (refused.length > 0) throw new ConfigLoadError(`invalid config: ${describe(refused)}`, refused);
  const loaded = configFromModel(parsed.config, env, true, modTimeNs);
  const logging = problems.filter((p) => p.severity === 'error' && LOGGING.test(p.path));
  return logging.length > 0 ? { ...loaded, loggingError: describe(logging) } : loaded;
}
