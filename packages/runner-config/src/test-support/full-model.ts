/**
 * A model with every table of the schema present and every string-typed slot (values, map keys, unknown keys) set to
 * one given string, for the injection-safety property. Test-only.
 */
import { findFieldKey } from '../keys.js';
import { EXTRA, runnerConfigSchema, type FieldSpec, type RunnerConfig, type TableSpec } from '../schema.js';
import { recordFrom, type TomlValue } from '../toml-value.js';

function fieldValue(spec: FieldSpec, s: string): unknown {
  switch (spec.kind) {
    case 'string':
    case 'duration':
      return s;
    case 'integer':
      return 7;
    case 'float':
      return 1.5;
    case 'boolean':
      return true;
    case 'datetime':
      return '2025-06-01T12:00:00.123456789Z';
    case 'array':
      return spec.of === 'string' ? [s, s] : spec.of === 'integer' ? [1, 2] : [0.5];
    case 'stringOrArray':
      return [s];
    case 'map': {
      const value: Record<string, unknown> = {
        string: s,
        boolean: true,
        integer: 3,
        stringArray: [s],
        any: { type: 'table', value: recordFrom([[s, { type: 'string', value: s }]]) } satisfies TomlValue,
      };
      return recordFrom([[s, value[spec.of]]]);
    }
    case 'table':
      return fullTable(spec.table, s);
    case 'tableArray':
      return [fullTable(spec.table, s)];
  }
}

export function fullTable(spec: TableSpec, s: string): Record<string, unknown> {
  const out = recordFrom(
    Object.entries(spec.fields).map(([k, f]): [string, unknown] => [k, fieldValue(f, s)]),
  );
  if (findFieldKey(spec, s) === undefined) out[EXTRA] = recordFrom([[s, { type: 'string', value: s }]]);
  return out;
}

export function fullModel(s: string): RunnerConfig {
  return fullTable(runnerConfigSchema, s) as RunnerConfig;
}

/** Every leaf path of a parsed TOML document (objects by key, arrays by index), each key JSON-quoted. */
export function leafPaths(value: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v, i) => leafPaths(v, `${prefix}[${i}]`, out));
  else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const keys = Object.keys(value);
    if (keys.length === 0) out.add(prefix);
    for (const k of keys)
      leafPaths((value as Record<string, unknown>)[k], `${prefix}.${JSON.stringify(k)}`, out);
  } else out.add(prefix);
  return out;
}

function plainTomlValue(v: TomlValue): unknown {
  if (v.type === 'array') return v.value.map(plainTomlValue);
  if (v.type === 'table') {
    return recordFrom(Object.entries(v.value).map(([k, x]): [string, unknown] => [k, plainTomlValue(x)]));
  }
  return v.value;
}

/** The shape smol-toml would give for the rendering of a model: keys as in TOML, unknown keys in place. */
export function plainShape(spec: TableSpec, model: Record<string, unknown>): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(model)) {
    if (k === EXTRA) {
      for (const [ek, ev] of Object.entries(v as Record<string, TomlValue>))
        entries.push([ek, plainTomlValue(ev)]);
      continue;
    }
    const f = spec.fields[k] as FieldSpec;
    if (f.kind === 'table') entries.push([k, plainShape(f.table, v as Record<string, unknown>)]);
    else if (f.kind === 'tableArray') {
      entries.push([k, (v as Array<Record<string, unknown>>).map((x) => plainShape(f.table, x))]);
    } else if (f.kind === 'map' && f.of === 'any') {
      entries.push([
        k,
        recordFrom(
          Object.entries(v as Record<string, TomlValue>).map(([mk, mv]): [string, unknown] => [
            mk,
            plainTomlValue(mv),
          ]),
        ),
      ]);
    } else entries.push([k, v]);
  }
  return recordFrom(entries);
}
