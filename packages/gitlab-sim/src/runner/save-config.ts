/**
 * Saving config.toml the way gitlab-runner does when it rotates a token (common/config.go `SaveConfig`): the
 * in-memory config is encoded again, so the file comes out in gitlab-runner's layout whatever it looked like:
 *  - comments and unknown keys are gone (gitlab-runner never decoded them);
 *  - `url` and `token` carry their `$VAR`s expanded;
 *  - durations are Go `String()` text (`"1h30m0s"`), offset datetimes UTC RFC 3339 with Go's trimmed fraction;
 *  - the keys Go always encodes appear with the values gitlab-runner loaded: `concurrent`, `check_interval`,
 *    `connection_max_age = "15m0s"`, `shutdown_timeout`, `[session_server] session_timeout = 1800`, and per runner
 *    `name`, `url`, `id`, `token`, `token_obtained_at`, `token_expires_at` (zero time when unset), `executor`, plus
 *    the non-omitted keys of `[runners.docker]` and `[runners.kubernetes]` when those tables exist.
 * Layout and key order are @paddock/runner-config's renderer, which follows BurntSushi's encoder.
 *
 * The write is gitlab-runner's too: the directory is created 0700, the file written in place with mode 0600 for a
 * new file (an existing file keeps its mode), with no temp file and no lock. A reader can therefore see a truncated
 * file mid-write, which is exactly what a control plane watching the file has to live with.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  canonicalUtc,
  durationNanoseconds,
  EXTRA,
  formatGoDuration,
  parseTomlDatetime,
  renderRunnerConfig,
  runnerConfigSchema,
  ZERO_TIME,
  type RunnerConfig,
  type TableSpec,
} from '@paddock/runner-config';
import { goExpandEnv, type Environment } from './go-expand-env.js';

type Rec = Record<string, unknown>;

/** `connection_max_age` after any load (common/config.go `LoadConfig`). */
const DEFAULT_CONNECTION_MAX_AGE = '15m0s';
/** `NewConfig`'s session timeout, in seconds. */
const DEFAULT_SESSION_TIMEOUT = 1800;

/** Keys of `[runners.docker]` without an omit option (or `omitzero` booleans), with Go's zero values. */
const DOCKER_ALWAYS: Readonly<Rec> = {
  tls_verify: false,
  image: '',
  privileged: false,
  disable_entrypoint_overwrite: false,
  oom_kill_disable: false,
  disable_cache: false,
  volume_keep: false,
  shm_size: 0,
  network_mtu: 0,
};

/** Keys and empty tables of `[runners.kubernetes]` that are always encoded. */
const KUBERNETES_ALWAYS: Readonly<Rec> = {
  host: '',
  bearer_token_overwrite_allowed: false,
  image: '',
  namespace: '',
  namespace_overwrite_allowed: '',
  namespace_per_job: false,
  node_selector_overwrite_allowed: '',
  node_tolerations_overwrite_allowed: '',
  pod_labels_overwrite_allowed: '',
  service_account_overwrite_allowed: '',
  pod_annotations_overwrite_allowed: '',
  volumes: {},
  dns_config: {},
};

function isRecord(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A copy holding only the keys gitlab-runner decodes, with durations and datetimes as Go writes them. */
function decodedOnly(spec: TableSpec, record: Rec): Rec {
  const out: Rec = {};
  for (const [key, field] of Object.entries(spec.fields)) {
    if (!Object.prototype.hasOwnProperty.call(record, key) || key === EXTRA) continue;
    const value = record[key];
    switch (field.kind) {
      case 'table':
        out[key] = isRecord(value) ? decodedOnly(field.table, value) : value;
        break;
      case 'tableArray':
        out[key] = Array.isArray(value)
          ? value.map((item: unknown) => (isRecord(item) ? decodedOnly(field.table, item) : item))
          : value;
        break;
      case 'duration': {
        const ns = durationNanoseconds(value);
        out[key] = ns === undefined ? value : formatGoDuration(ns);
        break;
      }
      case 'datetime':
        out[key] =
          typeof value === 'string' && parseTomlDatetime(value)?.kind === 'offset'
            ? canonicalUtc(value)
            : value;
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

function savedRunner(entry: Rec, env: Environment): Rec {
  const runner: Rec = {
    ...entry,
    name: entry.name ?? '',
    url: goExpandEnv(typeof entry.url === 'string' ? entry.url : '', env),
    id: entry.id ?? 0,
    token: goExpandEnv(typeof entry.token === 'string' ? entry.token : '', env),
    token_obtained_at: entry.token_obtained_at ?? ZERO_TIME,
    token_expires_at: entry.token_expires_at ?? ZERO_TIME,
    executor: entry.executor ?? '',
  };
  if (isRecord(entry.docker)) runner.docker = { ...DOCKER_ALWAYS, ...entry.docker };
  if (isRecord(entry.kubernetes)) runner.kubernetes = { ...KUBERNETES_ALWAYS, ...entry.kubernetes };
  return runner;
}

/** The text gitlab-runner writes for a loaded config (see the module comment). */
export function savedConfigText(model: RunnerConfig, env: Environment): string {
  const decoded = decodedOnly(runnerConfigSchema, model as Rec);
  const session = isRecord(decoded.session_server) ? decoded.session_server : {};
  const saved: Rec = {
    ...decoded,
    concurrent: decoded.concurrent ?? 1,
    check_interval: decoded.check_interval ?? 0,
    connection_max_age: decoded.connection_max_age ?? DEFAULT_CONNECTION_MAX_AGE,
    shutdown_timeout: decoded.shutdown_timeout ?? 0,
    session_server: { ...session, session_timeout: session.session_timeout ?? DEFAULT_SESSION_TIMEOUT },
  };
  if (Array.isArray(decoded.runners)) {
    saved.runners = decoded.runners.map((entry: unknown) =>
      isRecord(entry) ? savedRunner(entry, env) : entry,
    );
  }
  return renderRunnerConfig(saved as RunnerConfig);
}

/**
 * A time as gitlab-runner's encoder writes a `time.Time` in UTC (RFC 3339 with Go's RFC3339Nano fraction: trailing
 * zeros and an all-zero fraction dropped).
 */
export function goTimeText(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

/** `defaultConfigSaver.Save`: `MkdirAll(dir, 0700)` then `WriteFile(path, data, 0600)`, in place. */
export async function writeConfigFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, text, { mode: 0o600 });
}
