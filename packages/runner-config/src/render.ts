/**
 * `renderRunnerConfig`: model → config.toml text, deterministic and injection-safe.
 *
 * Layout follows what gitlab-runner writes itself (BurntSushi v1.6 encode.go, see notes/gitlab-runner-facts.md (g)):
 * keys in Go struct order, plain keys before sub-tables, two spaces of indent per level, a blank line before every
 * top-level table and every `[[array-of-tables]]` entry, map keys sorted. Unknown keys (`extra`) follow the known
 * ones of their table, sorted: plain values after the plain keys, tables after the sub-tables.
 *
 * Safety: every string is written as an escaped TOML basic string and every key that is not bare is quoted, so no
 * value can open a table or add a key. Each value's run-time type is checked against the schema before it is
 * written (a model that came from JSON may lie); a value that cannot be written faithfully throws a
 * `RenderError` instead of producing a file.
 */
import { parseTomlDatetime } from './datetime.js';
import { findFieldKey } from './keys.js';
import { indexPath, keyPath } from './problems.js';
import { EXTRA, runnerConfigSchema, type FieldSpec, type RunnerConfig, type TableSpec } from './schema.js';
import { getOwn, type TomlValue } from './toml-value.js';

export class RenderError extends TypeError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path === '' ? '(root)' : path}: ${message}`);
    this.name = 'RenderError';
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string can be written as UTF-8 (no unpaired UTF-16 surrogate). */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '\b': '\\b',
  '\f': '\\f',
};

/** A TOML basic string. Escapes `"`, `\`, every control character and DEL; everything else stays as UTF-8. */
export function tomlString(s: string, path = ''): string {
  if (!isWellFormed(s)) throw new RenderError(path, 'string holds an unpaired UTF-16 surrogate');
  // The class lists what may stay as it is (printable ASCII except `"` and `\`, and all of U+0080 and up), so the
  // match is `"`, `\`, every control character and DEL.
  const body = s.replace(
    /[^ !#-[\]-~\u0080-\uffff]/g,
    (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${body}"`;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** A key, bare when TOML allows it and quoted otherwise. */
export function tomlKey(key: string, path = ''): string {
  return BARE_KEY.test(key) ? key : tomlString(key, path);
}

/** A float that reads back as the same float (never as an integer). */
export function tomlFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function tomlInteger(n: unknown, path: string): string {
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new RenderError(path, 'expected a safe integer');
  return String(n);
}

function tomlDatetime(v: unknown, path: string): string {
  const parsed = typeof v === 'string' ? parseTomlDatetime(v) : undefined;
  // Only normalised datetime text is written bare; anything else could smuggle TOML in.
  if (!parsed || parsed.text !== v) throw new RenderError(path, 'expected TOML datetime text');
  return parsed.text;
}

function expectString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new RenderError(path, 'expected a string');
  return tomlString(v, path);
}

function expectArray(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new RenderError(path, 'expected an array');
  return v;
}

function expectRecord(v: unknown, path: string): Readonly<Record<string, unknown>> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new RenderError(path, 'expected an object');
  return v as Record<string, unknown>;
}

function inlineArray(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

function isTomlValue(v: unknown): v is TomlValue {
  return v !== null && typeof v === 'object' && 'type' in v && 'value' in v;
}

/** Whether a generic value goes under a header (`[t]` / `[[t]]`) rather than on a `key = value` line. */
function isTableLike(v: TomlValue): boolean {
  if (v.type === 'table') return true;
  return (
    v.type === 'array' && v.value.length > 0 && v.value.every((x) => isTomlValue(x) && x.type === 'table')
  );
}

function inlineTomlValue(v: unknown, path: string): string {
  if (!isTomlValue(v)) throw new RenderError(path, 'expected a TOML value ({ type, value })');
  switch (v.type) {
    case 'string':
      return expectString(v.value, path);
    case 'integer':
      return tomlInteger(v.value, path);
    case 'float':
      if (typeof v.value !== 'number') throw new RenderError(path, 'expected a number');
      return tomlFloat(v.value);
    case 'boolean':
      if (typeof v.value !== 'boolean') throw new RenderError(path, 'expected a boolean');
      return String(v.value);
    case 'datetime':
      return tomlDatetime(v.value, path);
    case 'array':
      return inlineArray(expectArray(v.value, path).map((x, i) => inlineTomlValue(x, indexPath(path, i))));
    case 'table': {
      const entries = sortedEntries(expectRecord(v.value, path));
      if (entries.length === 0) return '{}';
      const body = entries.map(([k, x]) => `${tomlKey(k, path)} = ${inlineTomlValue(x, keyPath(path, k))}`);
      return `{ ${body.join(', ')} }`;
    }
    default:
      throw new RenderError(path, `unknown TOML value type ${JSON.stringify((v as { type: unknown }).type)}`);
  }
}

function sortedEntries<T>(record: Readonly<Record<string, T>>): Array<[string, T]> {
  return Object.keys(record)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => [k, record[k] as T]);
}

function scalarText(field: FieldSpec, v: unknown, path: string): string {
  switch (field.kind) {
    case 'string':
      return expectString(v, path);
    case 'integer':
      return tomlInteger(v, path);
    case 'float':
      if (typeof v !== 'number') throw new RenderError(path, 'expected a number');
      return tomlFloat(v);
    case 'boolean':
      if (typeof v !== 'boolean') throw new RenderError(path, 'expected a boolean');
      return String(v);
    case 'duration':
      return typeof v === 'string' ? tomlString(v, path) : tomlInteger(v, path);
    case 'datetime':
      return tomlDatetime(v, path);
    case 'stringOrArray':
      if (typeof v === 'string') return tomlString(v, path);
      return inlineArray(expectArray(v, path).map((x, i) => expectString(x, indexPath(path, i))));
    case 'array': {
      const of = field.of;
      return inlineArray(
        expectArray(v, path).map((x, i) => scalarText({ kind: of, pointer: false }, x, indexPath(path, i))),
      );
    }
    default:
      throw new RenderError(path, `not a plain value`);
  }
}

/** Collects the lines of one table; sub-tables are written after its plain keys. */
class Writer {
  readonly lines: string[] = [];

  private header(keys: readonly string[], array: boolean, path: string): void {
    // A blank line before every top-level table and before every array-of-tables entry, as gitlab-runner does.
    if ((keys.length === 1 || array) && this.lines.length > 0) this.lines.push('');
    const name = keys.map((k) => tomlKey(k, path)).join('.');
    this.lines.push(`${'  '.repeat(keys.length - 1)}${array ? `[[${name}]]` : `[${name}]`}`);
  }

  private keyLine(keys: readonly string[], key: string, value: string, path: string): void {
    this.lines.push(`${'  '.repeat(keys.length)}${tomlKey(key, path)} = ${value}`);
  }

  table(spec: TableSpec, model: unknown, keys: readonly string[], path: string): void {
    const record = expectRecord(model, path);
    const later: Array<() => void> = [];
    for (const key of Object.keys(record)) {
      if (key !== EXTRA && !Object.prototype.hasOwnProperty.call(spec.fields, key)) {
        throw new RenderError(
          keyPath(path, key),
          `not a key of ${spec.name}; unknown keys belong in ${EXTRA}`,
        );
      }
    }
    for (const [key, field] of Object.entries(spec.fields)) {
      const value = getOwn(record, key);
      if (value === undefined) continue;
      const here = keyPath(path, key);
      const sub = [...keys, key];
      switch (field.kind) {
        case 'table':
          later.push(() => {
            this.header(sub, false, here);
            this.table(field.table, value, sub, here);
          });
          break;
        case 'tableArray': {
          const items = expectArray(value, here);
          if (items.length === 0) this.keyLine(keys, key, '[]', here);
          else {
            later.push(() =>
              items.forEach((item, i) => {
                this.header(sub, true, here);
                this.table(field.table, item, sub, indexPath(here, i));
              }),
            );
          }
          break;
        }
        case 'map':
          later.push(() => {
            this.header(sub, false, here);
            this.map(field.of, value, sub, here);
          });
          break;
        default:
          this.keyLine(keys, key, scalarText(field, value, here), here);
      }
    }
    const extra = getOwn(record, EXTRA);
    if (extra !== undefined) {
      const extraPath = keyPath(path, EXTRA);
      for (const [key, value] of sortedEntries(expectRecord(extra, extraPath))) {
        if (findFieldKey(spec, key) !== undefined) {
          throw new RenderError(
            keyPath(extraPath, key),
            `unknown key collides with the known key of ${spec.name}`,
          );
        }
        this.generic(key, value, keys, keyPath(path, key), later);
      }
    }
    for (const write of later) write();
  }

  private map(of: string, model: unknown, keys: readonly string[], path: string): void {
    const later: Array<() => void> = [];
    for (const [key, value] of sortedEntries(expectRecord(model, path))) {
      const here = keyPath(path, key);
      switch (of) {
        case 'string':
          this.keyLine(keys, key, expectString(value, here), here);
          break;
        case 'boolean':
          if (typeof value !== 'boolean') throw new RenderError(here, 'expected a boolean');
          this.keyLine(keys, key, String(value), here);
          break;
        case 'integer':
          this.keyLine(keys, key, tomlInteger(value, here), here);
          break;
        case 'stringArray':
          this.keyLine(keys, key, scalarText({ kind: 'array', of: 'string' }, value, here), here);
          break;
        default:
          this.generic(key, value, keys, here, later);
      }
    }
    for (const write of later) write();
  }

  /** A free-form value: a `key = value` line now, or a (array of) table(s) later. */
  private generic(
    key: string,
    value: unknown,
    keys: readonly string[],
    path: string,
    later: Array<() => void>,
  ): void {
    if (!isTomlValue(value)) throw new RenderError(path, 'expected a TOML value ({ type, value })');
    if (!isTableLike(value)) {
      this.keyLine(keys, key, inlineTomlValue(value, path), path);
      return;
    }
    const sub = [...keys, key];
    if (value.type === 'table') {
      later.push(() => {
        this.header(sub, false, path);
        this.genericTable(value.value, sub, path);
      });
      return;
    }
    const items = value.value as readonly TomlValue[];
    later.push(() =>
      items.forEach((item, i) => {
        this.header(sub, true, path);
        this.genericTable(item.value as Readonly<Record<string, TomlValue>>, sub, indexPath(path, i));
      }),
    );
  }

  private genericTable(record: unknown, keys: readonly string[], path: string): void {
    const later: Array<() => void> = [];
    for (const [key, value] of sortedEntries(expectRecord(record, path))) {
      this.generic(key, value, keys, keyPath(path, key), later);
    }
    for (const write of later) write();
  }
}

/**
 * Renders a model as config.toml. Same model, same bytes. Throws `RenderError` when a value does not have its key's
 * type (run `validateRunnerConfig` first to get every problem at once).
 */
export function renderRunnerConfig(config: RunnerConfig): string {
  const writer = new Writer();
  writer.table(runnerConfigSchema, config, [], '');
  return writer.lines.length === 0 ? '' : `${writer.lines.join('\n')}\n`;
}
