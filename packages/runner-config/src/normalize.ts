/**
 * `normalizeRunnerConfig`: the model reduced to what changes gitlab-runner's behaviour, so that two configs it treats
 * alike become deep-equal. This is what makes the drift check ignore gitlab-runner's own rewrites of config.toml.
 *
 * - A key equal to gitlab-runner's value for an absent key is dropped: Go's zero value for non-pointer fields,
 *   and the defaults of `NewConfig`/`LoadConfig` (`concurrent = 1`, `session_timeout = 1800`,
 *   `connection_max_age = 15m`). Pointer fields (`*bool`, `*int`, ...) keep an explicit zero, because gitlab-runner
 *   tells nil from zero there; pointer tables (`[runners.docker]`) keep their presence for the same reason.
 * - Durations become Go's `String()` form (`"30m"` and `1800000000000` both become `"30m0s"`).
 * - Offset datetimes become UTC with Go's RFC3339Nano fraction; the zero time means absent.
 * - `pull_policy = "x"` becomes `["x"]` (StringOrArray).
 * - Feature flags set to their default are dropped.
 * - The top-level `user` is dropped: `gitlab-runner run` overwrites it with its `--user` flag on every load
 *   (commands/multi.go `reloadConfig`).
 * - Unknown keys (`extra`) are dropped: gitlab-runner ignores them.
 */
import { canonicalUtc, isZeroDatetime, parseTomlDatetime } from './datetime.js';
import { durationNanoseconds, formatGoDuration } from './duration.js';
import { featureFlagDefault } from './feature-flags.js';
import {
  runnerConfigSchema,
  runnerEntrySchema,
  type FieldSpec,
  type RunnerConfig,
  type ScalarField,
  type TableSpec,
} from './schema.js';
import { getOwn, setOwn } from './toml-value.js';

type Rec = Readonly<Record<string, unknown>>;

function isRecord(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A scalar in its canonical form (durations as Go strings, datetimes in UTC). */
export function canonicalScalar(field: ScalarField, value: unknown): unknown {
  if (field.kind === 'duration') {
    const ns = durationNanoseconds(value);
    return ns === undefined ? value : formatGoDuration(ns);
  }
  if (field.kind === 'datetime' && typeof value === 'string') {
    if (isZeroDatetime(value)) return '0001-01-01T00:00:00Z';
    return parseTomlDatetime(value)?.kind === 'offset' ? canonicalUtc(value) : value;
  }
  return value;
}

/** gitlab-runner's value for an absent key, in canonical form; undefined for pointers without a default. */
export function scalarDefault(field: ScalarField): unknown {
  if (field.default !== undefined) return canonicalScalar(field, field.default);
  if (field.pointer) return undefined;
  switch (field.kind) {
    case 'string':
      return '';
    case 'integer':
    case 'float':
      return 0;
    case 'boolean':
      return false;
    case 'duration':
      return '0s';
    case 'datetime':
      return '0001-01-01T00:00:00Z';
  }
}

function normalizeField(field: FieldSpec, value: unknown, spec: TableSpec, key: string): unknown {
  switch (field.kind) {
    case 'table': {
      const table = normalizeTable(field.table, value);
      return field.pointer || Object.keys(table).length > 0 ? table : undefined;
    }
    case 'tableArray':
      return Array.isArray(value) && value.length > 0
        ? value.map((v) => normalizeTable(field.table, v))
        : undefined;
    case 'map': {
      if (!isRecord(value)) return undefined;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value).sort()) {
        const v = value[k];
        // A feature flag at its default is the same as no flag.
        if (spec === runnerEntrySchema && key === 'feature_flags' && v === featureFlagDefault(k)) continue;
        setOwn(out, k, v);
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    case 'stringOrArray': {
      const list = typeof value === 'string' ? [value] : value;
      return Array.isArray(list) && list.length > 0 ? [...list] : undefined;
    }
    case 'array':
      return Array.isArray(value) && value.length > 0 ? [...value] : undefined;
    default: {
      const canonical = canonicalScalar(field, value);
      const fallback = scalarDefault(field);
      if (fallback !== undefined && canonical === fallback) return undefined;
      return canonical;
    }
  }
}

function normalizeTable(spec: TableSpec, model: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(model)) return out;
  for (const [key, field] of Object.entries(spec.fields)) {
    const value = getOwn(model, key);
    if (value === undefined) continue;
    const normalized = normalizeField(field, value, spec, key);
    if (normalized !== undefined) setOwn(out, key, normalized);
  }
  return out;
}

/** The model as gitlab-runner's behaviour sees it (see the module comment). Always a fresh object. */
export function normalizeRunnerConfig(config: RunnerConfig): RunnerConfig {
  const out = normalizeTable(runnerConfigSchema, config);
  delete out.user;
  return out as RunnerConfig;
}
