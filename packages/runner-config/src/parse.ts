/**
 * `parseRunnerConfig`: config.toml text → typed model, decoding every value the way gitlab-runner's TOML decoder
 * (BurntSushi v1.6, decode.go) does. It fails only when the text is not TOML or a value has a type the key cannot
 * hold (gitlab-runner refuses those files at load). Everything that decodes but is still wrong — bad durations,
 * labels, unknown keys, `concurrent = 0` — is left to `validateRunnerConfig`, so that `fmt` and `diff` keep working
 * on files that gitlab-runner would reject for other reasons.
 */
import { parseRfc3339String } from './datetime.js';
import { findFieldKey } from './keys.js';
import { error, keyPath, indexPath, warning, type Problem } from './problems.js';
import { RAW_TYPE_NAMES, readToml, type RawTable, type RawValue } from './raw-toml.js';
import {
  EXTRA,
  runnerConfigSchema,
  type FieldSpec,
  type MapValueKind,
  type RunnerConfig,
  type TableSpec,
} from './schema.js';
import { recordFrom, setOwn, type TomlValue } from './toml-value.js';

export type ParseResult =
  { ok: true; config: RunnerConfig; warnings: Problem[] } | { ok: false; problems: Problem[] };

interface Ctx {
  readonly problems: Problem[];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
// BurntSushi refuses integers that a float64 cannot hold exactly (errUnsafeFloat).
const MAX_SAFE_FLOAT_INT = 1n << 53n;

function mismatch(ctx: Ctx, path: string, expected: string, raw: RawValue): undefined {
  ctx.problems.push(error(path, `expected ${expected}, found ${RAW_TYPE_NAMES[raw.t]}`));
  return undefined;
}

function integer(ctx: Ctx, path: string, raw: RawValue): number | undefined {
  if (raw.t !== 'integer') return mismatch(ctx, path, 'an integer', raw);
  if (raw.v > MAX_SAFE || raw.v < -MAX_SAFE) {
    ctx.problems.push(
      error(path, `integer ${raw.v} is outside the range Paddock represents exactly (±2^53-1)`),
    );
    return undefined;
  }
  return Number(raw.v);
}

function float(ctx: Ctx, path: string, raw: RawValue): number | undefined {
  if (raw.t === 'float') return raw.v;
  if (raw.t === 'integer') {
    if (raw.v > MAX_SAFE_FLOAT_INT || raw.v < -MAX_SAFE_FLOAT_INT) {
      ctx.problems.push(error(path, `integer ${raw.v} cannot be read exactly into a float`));
      return undefined;
    }
    return Number(raw.v);
  }
  return mismatch(ctx, path, 'a float', raw);
}

function stringValue(ctx: Ctx, path: string, raw: RawValue): string | undefined {
  return raw.t === 'string' ? raw.v : mismatch(ctx, path, 'a string', raw);
}

/** Unknown keys and free-form maps keep the TOML value exactly; undefined when an integer is out of range. */
function tomlValue(ctx: Ctx, path: string, raw: RawValue): TomlValue | undefined {
  switch (raw.t) {
    case 'integer': {
      const value = integer(ctx, path, raw);
      return value === undefined ? undefined : { type: 'integer', value };
    }
    case 'array': {
      const items = collect(raw.v.map((item, i) => tomlValue(ctx, indexPath(path, i), item)));
      return items && { type: 'array', value: items };
    }
    case 'table': {
      const entries = raw.v.map(([k, v]): [string, TomlValue | undefined] => [
        k,
        tomlValue(ctx, keyPath(path, k), v),
      ]);
      if (entries.some(([, v]) => v === undefined)) return undefined;
      return { type: 'table', value: recordFrom(entries as Array<[string, TomlValue]>) };
    }
    case 'string':
      return { type: 'string', value: raw.v };
    case 'float':
      return { type: 'float', value: raw.v };
    case 'boolean':
      return { type: 'boolean', value: raw.v };
    case 'datetime':
      return { type: 'datetime', value: raw.v };
  }
}

function mapValue(ctx: Ctx, kind: MapValueKind, path: string, raw: RawValue): unknown {
  switch (kind) {
    case 'string':
      return stringValue(ctx, path, raw);
    case 'boolean':
      return raw.t === 'boolean' ? raw.v : mismatch(ctx, path, 'a boolean', raw);
    case 'integer':
      return integer(ctx, path, raw);
    case 'stringArray':
      if (raw.t !== 'array') return mismatch(ctx, path, 'an array of strings', raw);
      return collect(raw.v.map((item, i) => stringValue(ctx, indexPath(path, i), item)));
    case 'any':
      return tomlValue(ctx, path, raw);
  }
}

/** The array, or undefined when an element failed (its problem is recorded already). */
function collect<T>(items: Array<T | undefined>): T[] | undefined {
  return items.every((x) => x !== undefined) ? (items as T[]) : undefined;
}

function decodeField(ctx: Ctx, field: FieldSpec, path: string, raw: RawValue): unknown {
  switch (field.kind) {
    case 'string':
      return stringValue(ctx, path, raw);
    case 'integer':
      return integer(ctx, path, raw);
    case 'float':
      return float(ctx, path, raw);
    case 'boolean':
      return raw.t === 'boolean' ? raw.v : mismatch(ctx, path, 'a boolean', raw);
    case 'duration':
      // A string is checked by validate (it stays representable); an integer means nanoseconds.
      if (raw.t === 'string') return raw.v;
      if (raw.t === 'integer') return integer(ctx, path, raw);
      return mismatch(ctx, path, 'a Go duration string or an integer of nanoseconds', raw);
    case 'datetime': {
      if (raw.t === 'datetime') return raw.v;
      // time.Time also takes a quoted RFC 3339 string (encoding.TextUnmarshaler).
      if (raw.t === 'string') {
        const parsed = parseRfc3339String(raw.v);
        if (parsed) return parsed.text;
        ctx.problems.push(error(path, `${JSON.stringify(raw.v)} is not an RFC 3339 datetime`));
        return undefined;
      }
      return mismatch(ctx, path, 'a datetime', raw);
    }
    case 'stringOrArray':
      if (raw.t === 'string') return raw.v;
      if (raw.t !== 'array') return mismatch(ctx, path, 'a string or an array of strings', raw);
      return collect(raw.v.map((item, i) => stringValue(ctx, indexPath(path, i), item)));
    case 'array': {
      if (raw.t !== 'array') return mismatch(ctx, path, 'an array', raw);
      const decode = field.of === 'string' ? stringValue : field.of === 'integer' ? integer : float;
      return collect(raw.v.map((item, i) => decode(ctx, indexPath(path, i), item)));
    }
    case 'map': {
      if (raw.t !== 'table') {
        // BurntSushi's unifyMap returns nil for a non-table, so gitlab-runner ignores the value.
        ctx.problems.push(
          warning(path, `expected a table, found ${RAW_TYPE_NAMES[raw.t]}; gitlab-runner ignores it`),
        );
        return undefined;
      }
      const out: Record<string, unknown> = {};
      let ok = true;
      for (const [k, v] of raw.v) {
        const value = mapValue(ctx, field.of, keyPath(path, k), v);
        if (value === undefined) ok = false;
        else setOwn(out, k, value);
      }
      return ok ? out : undefined;
    }
    case 'table':
      if (raw.t !== 'table') return mismatch(ctx, path, 'a table', raw);
      return decodeTable(ctx, field.table, path, raw.v);
    case 'tableArray':
      if (raw.t !== 'array') return mismatch(ctx, path, 'an array of tables', raw);
      return collect(
        raw.v.map((item, i) =>
          item.t === 'table'
            ? decodeTable(ctx, field.table, indexPath(path, i), item.v)
            : mismatch(ctx, indexPath(path, i), 'a table', item),
        ),
      );
  }
}

/** KubernetesNFS.UnmarshalTOML keeps a known key only when it has the right type and ignores the rest. */
function decodeNfsField(ctx: Ctx, field: FieldSpec, path: string, raw: RawValue): unknown {
  if (field.kind === 'string' && raw.t === 'string') return raw.v;
  if (field.kind === 'boolean' && raw.t === 'boolean') return raw.v;
  ctx.problems.push(warning(path, `${RAW_TYPE_NAMES[raw.t]} here is ignored by gitlab-runner (nfs volume)`));
  return undefined;
}

function decodeTable(ctx: Ctx, spec: TableSpec, path: string, entries: RawTable): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const extra: Record<string, TomlValue> = {};
  const seen = new Map<string, string>();
  for (const [key, raw] of entries) {
    const name = findFieldKey(spec, key);
    if (name === undefined) {
      const value = tomlValue(ctx, keyPath(path, key), raw);
      if (value !== undefined) setOwn(extra, key, value);
      continue;
    }
    const fieldPath = keyPath(path, name);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      // gitlab-runner iterates a Go map here, so which of the two wins changes from one load to the next.
      ctx.problems.push(
        error(fieldPath, `${JSON.stringify(earlier)} and ${JSON.stringify(key)} both set this key`),
      );
      continue;
    }
    seen.set(name, key);
    if (key !== name) {
      ctx.problems.push(warning(fieldPath, `key ${JSON.stringify(key)} is read as ${JSON.stringify(name)}`));
    }
    const field = spec.fields[name] as FieldSpec;
    const value =
      spec.decode === 'nfs'
        ? decodeNfsField(ctx, field, fieldPath, raw)
        : decodeField(ctx, field, fieldPath, raw);
    if (value !== undefined) setOwn(out, name, value);
  }
  if (Object.keys(extra).length > 0) setOwn(out, EXTRA, extra);
  return out;
}

/**
 * Parses config.toml text (TOML 1.1, as gitlab-runner reads it). On success the model holds exactly what the file
 * says, with unknown keys in each table's `extra`; `warnings` lists what gitlab-runner reads differently than
 * written (case-folded keys, ignored values).
 */
export function parseRunnerConfig(text: string): ParseResult {
  const read = readToml(text);
  if (!read.ok) return { ok: false, problems: read.problems };
  const ctx: Ctx = { problems: [] };
  const config = decodeTable(ctx, runnerConfigSchema, '', read.root) as RunnerConfig;
  if (ctx.problems.some((p) => p.severity === 'error')) return { ok: false, problems: ctx.problems };
  return { ok: true, config, warnings: ctx.problems };
}
