/**
 * fast-check arbitraries for config models, derived from the schema so that every table and key is exercised.
 * Test-only (excluded from the build).
 */
import fc from 'fast-check';
import { findFieldKey } from '../keys.js';
import { EXTRA, runnerConfigSchema, type FieldSpec, type RunnerConfig, type TableSpec } from '../schema.js';
import { recordFrom, type TomlValue } from '../toml-value.js';

/** Pieces that have broken TOML writers before: quotes, escapes, headers, comments, control characters. */
const NASTY = [
  '"',
  "'",
  '\\',
  '\\"',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '\u0000',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  ']]',
  '[[runners]]',
  '\n[[runners]]\ntoken = "stolen"\n',
  '#',
  '" # x',
  '"""',
  "'''",
  '= 1',
  'concurrent = 0',
  '\\u0041',
  '\\x41',
  '${TOKEN}',
  'é',
  '😀',
  'K', // KELVIN SIGN, which folds to "k"
];

/** Any well-formed string, biased towards TOML-hostile content. */
export const nastyString: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(...NASTY)), { maxLength: 5 })
  .map((parts) => parts.join(''));

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Normalised TOML datetime text of every kind gitlab-runner can read. */
export const datetimeText: fc.Arbitrary<string> = fc
  .record({
    year: fc.integer({ min: 1, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    offset: fc.constantFrom('Z', '+02:00', '-05:30', '+00:00'),
    kind: fc.constantFrom('offset', 'offset', 'offset', 'local-datetime', 'local-date', 'local-time'),
  })
  .map(({ year, month, day, hour, minute, second, fraction, offset, kind }) => {
    const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
    const time = `${pad(hour)}:${pad(minute)}:${pad(second)}${fraction === undefined ? '' : `.${fraction}`}`;
    if (kind === 'local-date') return date;
    if (kind === 'local-time') return time;
    return `${date}T${time}${kind === 'offset' ? offset : ''}`;
  });

const goDuration: fc.Arbitrary<string> = fc.oneof(
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((ns) => {
    // Valid Go duration text built from parts, as people write them.
    const abs = ns < 0n ? -ns : ns;
    return `${ns < 0n ? '-' : ''}${abs / 3_600_000_000_000n}h${(abs / 60_000_000_000n) % 60n}m${(abs % 60_000_000_000n) / 1_000_000n}ms`;
  }),
  fc.constantFrom('90s', '1h30m', '1.5h', '300ms', '0', '0s', '15m0s', '2h45m', '-1.5s', '1µs', '10us'),
);

export const tomlValue: fc.Arbitrary<TomlValue> = fc.letrec<{ value: TomlValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString.map((value): TomlValue => ({ type: 'string', value })),
    fc.maxSafeInteger().map((value): TomlValue => ({ type: 'integer', value })),
    fc.double().map((value): TomlValue => ({ type: 'float', value })),
    fc.boolean().map((value): TomlValue => ({ type: 'boolean', value })),
    datetimeText.map((value): TomlValue => ({ type: 'datetime', value })),
    fc.array(tie('value'), { maxLength: 3 }).map((value): TomlValue => ({ type: 'array', value })),
    fc
      .array(fc.tuple(nastyString, tie('value')), { maxLength: 3 })
      .map((entries): TomlValue => ({ type: 'table', value: recordFrom(entries) })),
  ),
})).value;

function scalar(kind: string, bits?: 32): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'string':
      return nastyString;
    case 'integer':
      return bits === 32 ? fc.integer() : fc.maxSafeInteger();
    case 'float':
      return fc.double();
    case 'boolean':
      return fc.boolean();
    case 'duration':
      // Any string decodes; validation is a separate step.
      return fc.oneof(goDuration, fc.maxSafeInteger(), nastyString);
    case 'datetime':
      return datetimeText;
    default:
      throw new Error(`no arbitrary for ${kind}`);
  }
}

function record<T>(
  entries: fc.Arbitrary<ReadonlyArray<readonly [string, T]>>,
): fc.Arbitrary<Record<string, T>> {
  return entries.map((e) => recordFrom(e));
}

const MAX_DEPTH = 5;

function field(spec: FieldSpec, depth: number): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'array':
      return fc.array(scalar(spec.of), { maxLength: 3 });
    case 'stringOrArray':
      return fc.oneof(nastyString, fc.array(nastyString, { maxLength: 3 }));
    case 'map': {
      const value =
        spec.of === 'stringArray'
          ? fc.array(nastyString, { maxLength: 2 })
          : spec.of === 'any'
            ? tomlValue
            : scalar(spec.of);
      return record(fc.array(fc.tuple(nastyString, value as fc.Arbitrary<unknown>), { maxLength: 3 }));
    }
    case 'table':
      return table(spec.table, depth + 1);
    case 'tableArray':
      return fc.array(table(spec.table, depth + 1), { maxLength: 2 });
    default:
      return scalar(spec.kind, spec.bits);
  }
}

/** Unknown keys that gitlab-runner would not fold onto a known one. */
function extra(spec: TableSpec): fc.Arbitrary<Record<string, TomlValue>> {
  return record(
    fc.array(
      fc.tuple(
        nastyString.filter((k) => findFieldKey(spec, k) === undefined),
        tomlValue,
      ),
      { minLength: 1, maxLength: 2 },
    ),
  );
}

/** A model of one table: a few of its keys, sometimes unknown keys. */
export function table(spec: TableSpec, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(spec.fields).filter((name) => {
    const kind = (spec.fields[name] as FieldSpec).kind;
    return depth < MAX_DEPTH || (kind !== 'table' && kind !== 'tableArray' && kind !== 'map');
  });
  return fc
    .tuple(
      fc.subarray(names, { maxLength: Math.min(names.length, depth === 0 ? 12 : 5) }),
      fc.option(extra(spec), { freq: 4, nil: undefined }),
    )
    .chain(([keys, extraValue]) =>
      fc.tuple(...keys.map((k) => field(spec.fields[k] as FieldSpec, depth))).map((values) => {
        const out = recordFrom(keys.map((k, i): [string, unknown] => [k, values[i]]));
        if (extraValue !== undefined) out[EXTRA] = extraValue;
        return out;
      }),
    );
}

/** Whole-config models, always with a few runners so that the deep tables get exercised. */
export const runnerConfig: fc.Arbitrary<RunnerConfig> = fc
  .tuple(
    table(runnerConfigSchema),
    fc.array(table((runnerConfigSchema.fields.runners as { table: TableSpec }).table, 1), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([config, runners]) => ({ ...config, runners }) as RunnerConfig);
