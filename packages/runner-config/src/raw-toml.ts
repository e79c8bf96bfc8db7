/**
 * Reads TOML text into a typed syntax tree with smol-toml, keeping what gitlab-runner's decoder can see and a plain
 * JS value cannot: integer vs float (1 vs 1.0), exact int64 integers, datetimes as nanosecond-exact text, keys in
 * document order and keys such as `__proto__` as plain data.
 */
import { parse as parseToml, TomlDate, TomlError } from 'smol-toml';
import { parseTomlDatetime } from './datetime.js';
import { error, type Problem } from './problems.js';
import { substituteDatetimes } from './toml-scan.js';

export type RawValue =
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'integer'; readonly v: bigint }
  | { readonly t: 'float'; readonly v: number }
  | { readonly t: 'boolean'; readonly v: boolean }
  | { readonly t: 'datetime'; readonly v: string }
  | { readonly t: 'array'; readonly v: readonly RawValue[] }
  | { readonly t: 'table'; readonly v: ReadonlyArray<readonly [string, RawValue]> };

export type RawRead = { ok: true; root: RawTable } | { ok: false; problems: Problem[] };
export type RawTable = ReadonlyArray<readonly [string, RawValue]>;

export const RAW_TYPE_NAMES: Readonly<Record<RawValue['t'], string>> = {
  string: 'a string',
  integer: 'an integer',
  float: 'a float',
  boolean: 'a boolean',
  datetime: 'a datetime',
  array: 'an array',
  table: 'a table',
};

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function syntaxProblem(e: unknown): Problem {
  if (e instanceof TomlError) {
    const reason = e.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
    return error('', `TOML syntax error at line ${e.line}, column ${e.column}: ${reason}`);
  }
  return error('', `TOML syntax error: ${e instanceof Error ? e.message : String(e)}`);
}

function randomNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Parses TOML 1.1 text the way BurntSushi v1.6 (gitlab-runner's decoder) does. */
export function readToml(text: string): RawRead {
  // BurntSushi skips a byte order mark; smol-toml would reject it.
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  // Each datetime literal becomes a string holding an unguessable marker, so it cannot clash with a real string.
  const marker = `\u0000paddock-datetime:${randomNonce()}:`;
  const substituted = substituteDatetimes(source, (n) => `"\\u0000${marker.slice(1)}${n}"`);

  let parsed: Record<string, unknown>;
  let datetimes: readonly string[] = [];
  try {
    parsed = parseToml(substituted?.text ?? source, { integersAsBigInt: true });
    if (substituted) {
      const invalid: Problem[] = [];
      datetimes = substituted.datetimes.map(({ raw, offset }) => {
        const dt = parseTomlDatetime(raw);
        if (dt) return dt.text;
        const { line, column } = position(source, offset);
        invalid.push(
          error('', `TOML syntax error at line ${line}, column ${column}: invalid datetime ${raw}`),
        );
        return raw;
      });
      if (invalid.length > 0) return { ok: false, problems: invalid };
    }
  } catch (e) {
    // Report errors against the text as written, so that lines and columns are right.
    try {
      parsed = parseToml(source, { integersAsBigInt: true });
    } catch (original) {
      return { ok: false, problems: [syntaxProblem(original)] };
    }
    if (!substituted) return { ok: false, problems: [syntaxProblem(e)] };
    // The scanner misread valid TOML: fall back to smol-toml's own datetimes (millisecond precision).
    datetimes = [];
  }

  const convert = (value: unknown): RawValue => {
    if (typeof value === 'string') {
      if (value.startsWith(marker)) {
        const dt = datetimes[Number(value.slice(marker.length))];
        if (dt !== undefined) return { t: 'datetime', v: dt };
      }
      return { t: 'string', v: value };
    }
    if (typeof value === 'bigint') return { t: 'integer', v: value };
    if (typeof value === 'number') return { t: 'float', v: value };
    if (typeof value === 'boolean') return { t: 'boolean', v: value };
    if (value instanceof TomlDate)
      return { t: 'datetime', v: parseTomlDatetime(value.toISOString())?.text ?? '' };
    if (Array.isArray(value)) return { t: 'array', v: value.map(convert) };
    return { t: 'table', v: convertTable(value as Record<string, unknown>) };
  };
  const convertTable = (table: Record<string, unknown>): RawTable =>
    Object.keys(table).map((k): [string, RawValue] => [k, convert(table[k])]);

  return { ok: true, root: convertTable(parsed) };
}
