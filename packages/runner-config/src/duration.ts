/**
 * Go durations, as gitlab-runner reads and writes them.
 *
 * BurntSushi/toml decodes a `time.Duration` from a string with Go's `time.ParseDuration` and from a TOML integer as
 * nanoseconds (decode.go `unifyInt`); the encoder writes `Duration.String()`. Both are reproduced here exactly, on
 * bigint nanoseconds, because durations reach beyond 2^53 ns (about 104 days).
 */

const MAX_U = 1n << 63n;
const MAX_INT64 = MAX_U - 1n;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // MICRO SIGN
  ['\u03bcs', 1_000n], // GREEK SMALL LETTER MU
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

export type DurationResult = { ok: true; nanoseconds: bigint } | { ok: false; message: string };

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** `time.ParseDuration`: `"1h30m"`, `"1.5h"`, `"300ms"`, `"-2s"`, `"0"`. No spaces, units ns|us|µs|ms|s|m|h. */
export function parseGoDuration(text: string): DurationResult {
  const invalid = (): DurationResult => ({
    ok: false,
    message: `invalid Go duration ${JSON.stringify(text)}`,
  });
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, nanoseconds: 0n };
  if (s === '') return invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid();
    // Integer part; Go rejects it as soon as it passes 2^63.
    let v = 0n;
    let i = 0;
    for (; i < s.length && isDigit(s[i]); i++) {
      if (v > MAX_U / 10n) return invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX_U) return invalid();
    }
    const pre = i > 0;
    s = s.slice(i);
    // Fraction part; digits past int64 precision are dropped, as Go does.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let overflow = false;
      let j = 0;
      for (; j < s.length && isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > MAX_INT64 / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > MAX_U) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return invalid();
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    const unitName = s.slice(0, k);
    s = s.slice(k);
    if (unitName === '') return { ok: false, message: `missing unit in Go duration ${JSON.stringify(text)}` };
    const unit = UNITS.get(unitName);
    if (unit === undefined) {
      return {
        ok: false,
        message: `unknown unit ${JSON.stringify(unitName)} in Go duration ${JSON.stringify(text)} (use ns, us, ms, s, m, h)`,
      };
    }
    if (v > MAX_U / unit) return invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes the fraction in float64; doing the same keeps results bit-identical.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_U) return invalid();
    }
    total += v;
    if (total > MAX_U) return invalid();
  }
  if (neg) return { ok: true, nanoseconds: -total };
  if (total > MAX_INT64) return invalid();
  return { ok: true, nanoseconds: total };
}

/** Prints `v / 10^prec` without trailing zeros; returns the fraction text and the integer part. */
function fraction(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let printed = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    printed = printed || digit !== 0n;
    if (printed) digits = digit.toString() + digits;
    v /= 10n;
  }
  return [printed ? `.${digits}` : '', v];
}

/** `time.Duration.String()`: `"1h30m0s"`, `"300ms"`, `"1.5µs"`, `"0s"`. */
export function formatGoDuration(nanoseconds: bigint | number): string {
  let u = BigInt(nanoseconds);
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < 1_000n) {
      prec = 0;
      unit = 'ns';
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = '\u00b5s';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [frac, whole] = fraction(u, prec);
    out = `${whole}${frac}${unit}`;
  } else {
    const [frac, seconds] = fraction(u, 9);
    out = `${seconds % 60n}${frac}s`;
    const minutes = seconds / 60n;
    if (minutes > 0n) {
      out = `${minutes % 60n}m${out}`;
      const hours = minutes / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/**
 * The nanoseconds of a duration as it sits in the model (a Go duration string, or an integer of nanoseconds), or
 * undefined when gitlab-runner would refuse it.
 */
export function durationNanoseconds(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string') {
    const parsed = parseGoDuration(value);
    return parsed.ok ? parsed.nanoseconds : undefined;
  }
  return undefined;
}
