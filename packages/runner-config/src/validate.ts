/**
 * `validateRunnerConfig`: what gitlab-runner 19.4 would say about a model.
 *
 * Errors — gitlab-runner refuses or cannot use the config:
 *  - at load (common/config.go `LoadConfig` / `Validate`, BurntSushi decode.go): wrong value types, Go duration
 *    strings `time.ParseDuration` rejects, label keys/values outside common/labels.go's patterns, more than 32
 *    computed labels, `MachineOptionsWithName` without `%s`, nfs volumes without name/mount_path/server/path;
 *  - in `gitlab-runner lint` (commands/lint.go, commands/internal/configfile/validation.go jsonschema tags): unknown
 *    keys, empty `url` or `token` (minLength 1), `shell` outside bash|sh|cmd|pwsh|powershell|"", a policy
 *    `idle_time` below 1s;
 *  - at run time (commands/multi.go, log/configuration.go, common/config.go): `concurrent < 1` (fatal), an executor
 *    name main.go does not register (the runner is marked unhealthy), an unknown `log_level` / `log_format`, pull
 *    policies and a Kubernetes DNS policy that every job would fail on.
 * Warnings — gitlab-runner runs but logs or ignores something: the long-polling warnings of
 * `checkConfigConcurrency`, an empty-looking token, a legacy `/ci` URL, `$VAR` expansion, slot cgroup templates
 * without `${slot}`, local datetimes, unknown feature flags, register's "limit > concurrent".
 */
import { parseGoDuration, durationNanoseconds } from './duration.js';
import { parseTomlDatetime } from './datetime.js';
import { KNOWN_FEATURE_FLAGS } from './feature-flags.js';
import { findFieldKey } from './keys.js';
import { error, indexPath, keyPath, warning, type Problem } from './problems.js';
import { isWellFormed } from './render.js';
import {
  EXTRA,
  runnerConfigSchema,
  type FieldSpec,
  type MapValueKind,
  type RunnerConfig,
  type TableSpec,
} from './schema.js';
import { getOwn } from './toml-value.js';

/**
 * How deep a free-form TOML value (unknown keys, `plugin_config` …) may nest. No config needs more; a model from
 * JSON can nest as deep as its body allows, and checking or rendering that would exhaust the stack.
 */
export const MAX_TOML_VALUE_DEPTH = 64;

/** Executor names registered in main.go `newExecutorProviders` (common.ExecutorKubernetes is "kubernetes"). */
export const EXECUTORS: readonly string[] = [
  'shell',
  'custom',
  'instance',
  'docker',
  'docker-windows',
  'docker-autoscaler',
  'docker+machine',
  'kubernetes',
  'ssh',
  'parallels',
  'virtualbox',
];

/** The `jsonschema` enum on RunnerSettings.Shell. */
export const SHELLS: readonly string[] = ['bash', 'sh', 'cmd', 'pwsh', 'powershell', ''];

/** logrus.ParseLevel, which lower-cases its input. */
const LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'];
/** log/configuration.go formats. */
const LOG_FORMATS = ['runner', 'text', 'json'];
/** common/config.go `GetPullPolicies` (docker) and `ConvertFromDockerPullPolicy` (kubernetes, which also takes ""). */
const PULL_POLICIES = ['always', 'never', 'if-not-present'];
/** common/config.go `KubernetesDNSPolicy.Get`. */
const DNS_POLICIES = ['', 'none', 'default', 'cluster-first', 'cluster-first-with-host-net'];

const LABEL_KEY = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{2,64}$/;
const LABEL_VALUE = /^[a-zA-Z0-9._-]{1,256}$/;
const MAX_LABELS = 32;
const ONE_SECOND = 1_000_000_000n;

type Rec = Readonly<Record<string, unknown>>;

function isRecord(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const TYPE_NAME: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  float: 'a number',
  boolean: 'a boolean',
};

class Checker {
  readonly problems: Problem[] = [];

  err(path: string, message: string): void {
    this.problems.push(error(path, message));
  }

  warn(path: string, message: string): void {
    this.problems.push(warning(path, message));
  }

  string(v: unknown, path: string): v is string {
    if (typeof v !== 'string') {
      this.err(path, 'expected a string');
      return false;
    }
    if (!isWellFormed(v)) {
      this.err(path, 'holds an unpaired UTF-16 surrogate, which cannot be written as UTF-8');
      return false;
    }
    return true;
  }

  scalar(kind: string, v: unknown, path: string, bits?: 32): void {
    switch (kind) {
      case 'string':
        this.string(v, path);
        return;
      case 'integer':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.err(path, 'expected an integer');
        else if (bits === 32 && (v < -(2 ** 31) || v >= 2 ** 31))
          this.err(path, `${v} does not fit in an int32`);
        return;
      case 'float':
        if (typeof v !== 'number') this.err(path, 'expected a number');
        return;
      case 'boolean':
        if (typeof v !== 'boolean') this.err(path, 'expected a boolean');
        return;
      default:
        this.err(path, `expected ${TYPE_NAME[kind] ?? kind}`);
    }
  }

  field(field: FieldSpec, v: unknown, path: string): void {
    switch (field.kind) {
      case 'string':
      case 'integer':
      case 'float':
      case 'boolean':
        this.scalar(field.kind, v, path, field.bits);
        return;
      case 'duration':
        if (typeof v === 'number') {
          if (!Number.isSafeInteger(v)) this.err(path, 'a duration in nanoseconds must be an integer');
        } else if (this.string(v, path)) {
          const parsed = parseGoDuration(v);
          if (!parsed.ok) this.err(path, `${parsed.message}; gitlab-runner refuses to load the file`);
        }
        return;
      case 'datetime': {
        const parsed = typeof v === 'string' ? parseTomlDatetime(v) : undefined;
        if (!parsed || parsed.text !== v)
          this.err(path, 'expected TOML datetime text such as 2025-01-31T12:00:00Z');
        else if (parsed.kind !== 'offset') {
          this.warn(path, 'has no UTC offset: gitlab-runner reads it in the host time zone');
        }
        return;
      }
      case 'stringOrArray':
        if (typeof v === 'string') this.string(v, path);
        else if (Array.isArray(v)) v.forEach((x, i) => this.string(x, indexPath(path, i)));
        else this.err(path, 'expected a string or an array of strings');
        return;
      case 'array':
        if (!Array.isArray(v)) this.err(path, 'expected an array');
        else v.forEach((x, i) => this.scalar(field.of, x, indexPath(path, i)));
        return;
      case 'map':
        if (!isRecord(v)) this.err(path, 'expected an object');
        else for (const k of Object.keys(v)) this.mapValue(field.of, v[k], keyPath(path, k), k);
        return;
      case 'table':
        this.table(field.table, v, path);
        return;
      case 'tableArray':
        if (!Array.isArray(v)) this.err(path, 'expected an array of tables');
        else v.forEach((x, i) => this.table(field.table, x, indexPath(path, i)));
        return;
    }
  }

  mapValue(kind: MapValueKind, v: unknown, path: string, key: string): void {
    if (!isWellFormed(key)) this.err(path, 'key holds an unpaired UTF-16 surrogate');
    if (kind === 'any') this.tomlValue(v, path);
    else if (kind === 'stringArray') {
      if (!Array.isArray(v)) this.err(path, 'expected an array of strings');
      else v.forEach((x, i) => this.string(x, indexPath(path, i)));
    } else this.scalar(kind, v, path);
  }

  tomlValue(v: unknown, path: string, depth = 1): void {
    if (depth > MAX_TOML_VALUE_DEPTH) {
      this.err(path, `nested deeper than ${MAX_TOML_VALUE_DEPTH} levels`);
      return;
    }
    if (!isRecord(v) || typeof v.type !== 'string' || !('value' in v)) {
      this.err(path, 'expected a TOML value ({ type, value })');
      return;
    }
    const value = v.value;
    switch (v.type) {
      case 'string':
      case 'integer':
      case 'float':
      case 'boolean':
        this.scalar(v.type, value, path);
        return;
      case 'datetime':
        if (typeof value !== 'string' || parseTomlDatetime(value)?.text !== value) {
          this.err(path, 'expected TOML datetime text');
        }
        return;
      case 'array':
        if (!Array.isArray(value)) this.err(path, 'expected an array');
        else value.forEach((x, i) => this.tomlValue(x, indexPath(path, i), depth + 1));
        return;
      case 'table':
        if (!isRecord(value)) this.err(path, 'expected an object');
        else for (const k of Object.keys(value)) this.tomlValue(value[k], keyPath(path, k), depth + 1);
        return;
      default:
        this.err(path, `unknown TOML value type ${JSON.stringify(v.type)}`);
    }
  }

  table(spec: TableSpec, v: unknown, path: string): void {
    if (!isRecord(v)) {
      this.err(path, 'expected a table');
      return;
    }
    // Unknown keys first, so that problems come in file order (a table's keys before its sub-tables).
    const extra = getOwn(v, EXTRA);
    if (extra !== undefined) {
      if (!isRecord(extra)) this.err(keyPath(path, EXTRA), 'expected an object');
      else {
        for (const key of Object.keys(extra)) {
          const here = keyPath(path, key);
          this.tomlValue(extra[key], here);
          if (findFieldKey(spec, key) !== undefined) {
            this.err(here, `unknown key collides with a known key of ${spec.name}`);
          } else if (spec.decode === 'nfs') {
            this.warn(here, 'unknown key: gitlab-runner ignores it (nfs volume)');
          } else {
            this.err(here, 'unknown key: `gitlab-runner lint` rejects it (`gitlab-runner run` ignores it)');
          }
        }
      }
    }
    for (const key of Object.keys(v)) {
      const here = keyPath(path, key);
      if (key === EXTRA) continue;
      const field = getOwn(spec.fields, key);
      if (field === undefined) this.err(here, `not a key of ${spec.name}; keep unknown keys in ${EXTRA}`);
      else if (v[key] !== undefined) this.field(field, v[key], here);
    }
    if (spec.decode === 'nfs') {
      const missing = ['name', 'mount_path', 'server', 'path'].filter((k) => !v[k]);
      if (missing.length > 0) this.err(path, `nfs volume: missing required fields: ${missing.join(', ')}`);
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

function records(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function checkLabels(c: Checker, labels: unknown, path: string): void {
  if (!isRecord(labels)) return;
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY.test(key)) c.err(keyPath(path, key), `label key does not match ${LABEL_KEY.source}`);
    else if (typeof value === 'string' && !LABEL_VALUE.test(value)) {
      c.err(keyPath(path, key), `label value does not match ${LABEL_VALUE.source}`);
    }
  }
}

function checkPullPolicies(c: Checker, section: Rec, path: string, allowEmpty: boolean): void {
  const allowed = allowEmpty ? [...PULL_POLICIES, ''] : PULL_POLICIES;
  for (const key of ['pull_policy', 'allowed_pull_policies']) {
    const value = section[key];
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    list.forEach((p, i) => {
      if (typeof p === 'string' && !allowed.includes(p)) {
        const here = typeof value === 'string' ? keyPath(path, key) : indexPath(keyPath(path, key), i);
        c.err(
          here,
          `unsupported pull policy ${JSON.stringify(p)} (${PULL_POLICIES.join(', ')}); every job fails`,
        );
      }
    });
  }
}

function checkPolicies(c: Checker, policies: unknown, path: string): void {
  records(policies).forEach((policy, i) => {
    const ns = durationNanoseconds(policy.idle_time);
    // The jsonschema `minimum=1000000000` on IdleTime; zero is omitted from the JSON and so passes.
    if (ns !== undefined && ns !== 0n && ns < ONE_SECOND) {
      c.err(
        keyPath(indexPath(path, i), 'idle_time'),
        'must be at least 1s (`gitlab-runner lint` rejects it)',
      );
    }
  });
}

function checkSlotTemplate(c: Checker, template: string, path: string): void {
  if (!template.includes('${slot}') && !template.includes('$slot')) {
    c.warn(path, 'slot cgroup template has no ${slot}: every job shares one cgroup');
  }
}

function checkRunner(c: Checker, runner: Rec, path: string, config: Rec, concurrent: number): void {
  const at = (key: string): string => keyPath(path, key);
  for (const key of ['url', 'token']) {
    const value = runner[key];
    if (value === undefined || value === '')
      c.err(at(key), `${key} is empty (\`gitlab-runner lint\`: minLength 1)`);
    else if (typeof value === 'string' && value.includes('$')) {
      c.warn(at(key), `gitlab-runner expands $VARIABLES in ${key} from its environment at load`);
    }
  }
  const token = str(runner.token);
  if (token !== undefined && token !== '' && token.trim() === '') {
    c.warn(at('token'), 'token is only whitespace: gitlab-runner skips this runner when polling for jobs');
  }
  const url = str(runner.url);
  if (url?.replace(/\/+$/, '').endsWith('/ci')) {
    c.warn(at('url'), "the legacy '/ci' suffix is deprecated; git submodules may fail to authenticate");
  }
  const shell = runner.shell;
  if (typeof shell === 'string' && !SHELLS.includes(shell)) {
    c.err(at('shell'), `shell must be one of bash, sh, cmd, pwsh, powershell (\`gitlab-runner lint\`)`);
  }
  const executor = runner.executor;
  if (executor === undefined || executor === '') {
    c.err(at('executor'), 'no executor: gitlab-runner marks the runner unhealthy and never runs its jobs');
  } else if (typeof executor === 'string' && !EXECUTORS.includes(executor)) {
    c.err(
      at('executor'),
      `gitlab-runner has no executor ${JSON.stringify(executor)} (${EXECUTORS.join(', ')}); ` +
        'it marks the runner unhealthy and never runs its jobs',
    );
  }

  checkLabels(c, runner.labels, at('labels'));
  const computed = new Set([
    ...(isRecord(config.labels) ? Object.keys(config.labels) : []),
    ...(isRecord(runner.labels) ? Object.keys(runner.labels) : []),
  ]);
  if (computed.size > MAX_LABELS) {
    c.err(at('labels'), `${computed.size} labels with the global ones; gitlab-runner allows ${MAX_LABELS}`);
  }

  const machine = runner.machine;
  if (isRecord(machine) && Array.isArray(machine.MachineOptionsWithName)) {
    machine.MachineOptionsWithName.forEach((opt, i) => {
      if (typeof opt === 'string' && !opt.includes('%s')) {
        c.err(
          indexPath(keyPath(at('machine'), 'MachineOptionsWithName'), i),
          'must contain the %s placeholder',
        );
      }
    });
  }

  if (runner.use_slot_cgroups === true) {
    checkSlotTemplate(
      c,
      str(runner.slot_cgroup_template) || 'gitlab-runner/slot-${slot}',
      at('slot_cgroup_template'),
    );
    const service = isRecord(runner.docker) ? str(runner.docker.service_slot_cgroup_template) : undefined;
    if (service) checkSlotTemplate(c, service, keyPath(at('docker'), 'service_slot_cgroup_template'));
  }

  const limit = int(runner.limit) ?? 0;
  const requestConcurrency = Math.max(1, int(runner.request_concurrency) ?? 0);
  if (requestConcurrency === 1) {
    c.warn(
      at('request_concurrency'),
      'request_concurrency is 1: long polling delays jobs (gitlab-runner suggests 2-4)' +
        (limit > 0 && limit <= 2 ? `, and limit = ${limit} makes it worse` : ''),
    );
  }
  // register's hints; pointless when concurrent itself is the error.
  if (concurrent >= 1 && limit > concurrent) {
    c.warn(at('limit'), `limit ${limit} is above concurrent ${concurrent}; concurrent takes precedence`);
  }
  const rc = int(runner.request_concurrency) ?? 0;
  if (concurrent >= 1 && rc > concurrent) {
    c.warn(at('request_concurrency'), `request_concurrency ${rc} is above concurrent ${concurrent}`);
  }

  if (isRecord(runner.feature_flags)) {
    for (const [name, on] of Object.entries(runner.feature_flags)) {
      if (!KNOWN_FEATURE_FLAGS.has(name)) {
        c.warn(keyPath(at('feature_flags'), name), 'not a feature flag gitlab-runner 19.4 knows');
      }
      if (name === 'FF_SUSPENDABLE_ENVIRONMENTS' && on === true && !((int(runner.id) ?? 0) > 0)) {
        c.warn(at('id'), 'FF_SUSPENDABLE_ENVIRONMENTS needs the runner id; resumed jobs fail without it');
      }
    }
  }

  if (isRecord(runner.docker)) checkPullPolicies(c, runner.docker, at('docker'), false);
  if (isRecord(runner.kubernetes)) {
    const k8s = runner.kubernetes;
    checkPullPolicies(c, k8s, at('kubernetes'), true);
    if (typeof k8s.dns_policy === 'string' && !DNS_POLICIES.includes(k8s.dns_policy)) {
      c.err(
        keyPath(at('kubernetes'), 'dns_policy'),
        `unsupported DNS policy ${JSON.stringify(k8s.dns_policy)}`,
      );
    }
    if (isRecord(k8s.autoscaler))
      checkPolicies(c, k8s.autoscaler.policy, keyPath(keyPath(at('kubernetes'), 'autoscaler'), 'policy'));
  }
  if (isRecord(runner.autoscaler))
    checkPolicies(c, runner.autoscaler.policy, keyPath(at('autoscaler'), 'policy'));
}

/** Every problem gitlab-runner would have with the model; see the module comment for what is an error. */
export function validateRunnerConfig(config: RunnerConfig): Problem[] {
  const c = new Checker();
  c.table(runnerConfigSchema, config, '');
  if (!isRecord(config)) return c.problems;

  const rawConcurrent = config.concurrent;
  const concurrent = int(rawConcurrent) ?? 1;
  if (rawConcurrent !== undefined && concurrent < 1) {
    c.err(
      'concurrent',
      `concurrent = ${concurrent}: gitlab-runner exits (fatal) because no job could ever run`,
    );
  }
  const level = config.log_level;
  if (typeof level === 'string' && !LOG_LEVELS.includes(level.toLowerCase())) {
    c.err('log_level', `unknown log level; gitlab-runner does not start (${LOG_LEVELS.join(', ')})`);
  }
  const format = config.log_format;
  if (typeof format === 'string' && !LOG_FORMATS.includes(format)) {
    c.err('log_format', `unknown log format; gitlab-runner does not start (${LOG_FORMATS.join(', ')})`);
  }
  checkLabels(c, config.labels, 'labels');

  const runners = Array.isArray(config.runners) ? config.runners : [];
  if (concurrent >= 1 && concurrent < runners.length) {
    c.warn(
      'concurrent',
      `concurrent (${concurrent}) is below the number of runners (${runners.length}): workers starve`,
    );
  }
  runners.forEach((runner, i) => {
    if (isRecord(runner)) checkRunner(c, runner, indexPath('runners', i), config as Rec, concurrent);
  });
  return c.problems;
}
