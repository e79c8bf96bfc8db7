/**
 * TOML datetimes as gitlab-runner reads them into `time.Time` (`token_obtained_at`, `token_expires_at`).
 *
 * Values keep their text, because gitlab-runner writes nanoseconds (`2025-06-01T12:00:00.123456789Z`) and a JS
 * `Date` would cut them to milliseconds. The text is normalised like BurntSushi does before parsing (parse.go
 * `datetimeRepl`: `t`, `z` and the space separator become `T`/`Z`), and omitted seconds (TOML 1.1) are written
 * out. Comparison happens on exact instants.
 */

export type DatetimeKind = 'offset' | 'local-datetime' | 'local-date' | 'local-time';

export interface ParsedDatetime {
  readonly kind: DatetimeKind;
  /** The normalised text. */
  readonly text: string;
  /** Seconds since the Unix epoch, for `offset` values only. */
  readonly epochSeconds?: bigint;
  /** Nanoseconds within the second (extra fraction digits are truncated, as Go does). */
  readonly nanos: number;
}

/** The zero `time.Time`, which gitlab-runner writes for "never" (a token without expiry). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

// TOML 1.1 (BurntSushi v1.6): seconds are optional, except that a fraction needs them.
const DATETIME_RE =
  /^(?:(\d{4})-(\d{2})-(\d{2}))?(?:(?:^|[Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?([Zz]|[+-]\d{2}:\d{2})?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Parses TOML datetime text (any of the four kinds); undefined when Go's `time.Parse` would refuse it. */
export function parseTomlDatetime(raw: string): ParsedDatetime | undefined {
  const m = DATETIME_RE.exec(raw);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const hasDate = y !== undefined;
  const hasTime = h !== undefined;
  if (!hasDate && !hasTime) return undefined;
  if (!hasTime && offset !== undefined) return undefined;
  if (!hasDate && offset !== undefined) return undefined;
  // A date alone must not carry a separator; the regex lets `T` through only before a time.
  if (hasDate && !hasTime && raw.length !== 10) return undefined;
  if (!hasDate && /^[Tt ]/.test(raw)) return undefined;
  const year = Number(y ?? '0');
  const month = Number(mo ?? '1');
  const day = Number(d ?? '1');
  const hour = Number(h ?? '0');
  const minute = Number(mi ?? '0');
  const second = Number(s ?? '0');
  if (hasDate && (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (offset !== undefined && offset.length === 6) {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const nanos = frac === undefined ? 0 : Number(frac.slice(0, 9).padEnd(9, '0'));
  let text = raw.replace(/[tz ]/g, (c) => (c === 'z' ? 'Z' : 'T'));
  // TOML 1.1 lets seconds be left out; writing them keeps the model readable by TOML 1.0 tools too.
  if (hasTime && s === undefined) text = text.replace(/^(\d{4}-\d{2}-\d{2}T)?(\d{2}:\d{2})/, '$1$2:00');
  const kind: DatetimeKind = !hasTime
    ? 'local-date'
    : !hasDate
      ? 'local-time'
      : offset === undefined
        ? 'local-datetime'
        : 'offset';
  if (kind !== 'offset') return { kind, text, nanos };
  const days = daysFromCivil(year, month, day);
  const epochSeconds =
    BigInt(days) * 86_400n + BigInt(hour * 3600 + minute * 60 + second) - BigInt(offsetMinutes * 60);
  return { kind, text, epochSeconds, nanos };
}

/**
 * A quoted string in a `time.Time` field goes through `time.Time.UnmarshalText`, which takes RFC 3339 with a
 * time zone and seconds only. Returns the normalised text, or undefined.
 */
export function parseRfc3339String(value: string): ParsedDatetime | undefined {
  if (!/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/.test(value))
    return undefined;
  return parseTomlDatetime(value);
}

/** Whether two datetime texts name the same instant (offset values) or are the same text (local values). */
export function sameDatetime(a: string, b: string): boolean {
  const pa = parseTomlDatetime(a);
  const pb = parseTomlDatetime(b);
  if (!pa || !pb) return a === b;
  if (pa.kind !== 'offset' || pb.kind !== 'offset') return pa.text === pb.text;
  return pa.epochSeconds === pb.epochSeconds && pa.nanos === pb.nanos;
}

/** `time.Time.IsZero()` for a datetime text. */
export function isZeroDatetime(text: string): boolean {
  return sameDatetime(text, ZERO_TIME);
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** An offset datetime as UTC RFC 3339 with Go's `RFC3339Nano` fraction (trailing zeros dropped). */
export function canonicalUtc(text: string): string {
  const p = parseTomlDatetime(text);
  if (!p || p.epochSeconds === undefined) return text;
  const secs = p.epochSeconds;
  const days = Number(secs >= 0n ? secs / 86_400n : -((-secs + 86_399n) / 86_400n));
  const rem = Number(secs - BigInt(days) * 86_400n);
  const [year, month, day] = civilFromDays(days);
  if (year < 0 || year > 9999) return text;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const frac = p.nanos === 0 ? '' : `.${String(p.nanos).padStart(9, '0').replace(/0+$/, '')}`;
  const hms = `${pad(Math.floor(rem / 3600))}:${pad(Math.floor(rem / 60) % 60)}:${pad(rem % 60)}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${hms}${frac}Z`;
}
