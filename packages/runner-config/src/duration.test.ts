import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationNanoseconds, formatGoDuration, parseGoDuration } from './index.js';

const ns = (text: string): bigint | string => {
  const r = parseGoDuration(text);
  return r.ok ? r.nanoseconds : r.message;
};

describe('parseGoDuration (time.ParseDuration)', () => {
  it.each([
    ['1h30m', 5_400_000_000_000n],
    ['90s', 90_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['300ms', 300_000_000n],
    ['0', 0n],
    ['-0', 0n],
    ['+5s', 5_000_000_000n],
    ['-1.5s', -1_500_000_000n],
    ['.5s', 500_000_000n],
    ['1.s', 1_000_000_000n],
    ['1h1m1s1ms1us1ns', 3_661_001_001_001n],
    ['1µs', 1_000n],
    ['1μs', 1_000n],
    ['15m0s', 900_000_000_000n],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
    ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
    ['2562047h47m16.854775807s', 9_223_372_036_854_775_807n],
    ['0.3333333333333333333h', 1_200_000_000_000n],
  ])('%s → %s ns', (text, expected) => {
    expect(ns(text)).toBe(expected);
  });

  it.each([
    '',
    '1',
    '1 h',
    '1h 30m',
    '1min',
    '1d',
    '3600 s',
    '1h30min',
    'h',
    '.s',
    '-',
    '1.5',
    '9223372036854775808ns',
    '1e3s',
  ])('refuses %j', (text) => {
    expect(parseGoDuration(text).ok).toBe(false);
  });

  it('names the bad unit', () => {
    expect(ns('1h30min')).toBe('unknown unit "min" in Go duration "1h30min" (use ns, us, ms, s, m, h)');
    expect(ns('5')).toBe('missing unit in Go duration "5"');
  });
});

describe('formatGoDuration (time.Duration.String)', () => {
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [1_500n, '1.5µs'],
    [1_000_000n, '1ms'],
    [300_000_000n, '300ms'],
    [1_500_000_000n, '1.5s'],
    [60_000_000_000n, '1m0s'],
    [5_400_000_000_000n, '1h30m0s'],
    [900_000_000_000n, '15m0s'],
    [-1n, '-1ns'],
    [-90_000_000_000n, '-1m30s'],
    [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
    [-9_223_372_036_854_775_808n, '-2562047h47m16.854775808s'],
  ])('%s ns → %s', (value, text) => {
    expect(formatGoDuration(value)).toBe(text);
  });

  it('reads back what it writes, over the whole int64 range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (value) => {
        expect(ns(formatGoDuration(value))).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('takes integers as nanoseconds, like BurntSushi for a TOML integer', () => {
    expect(durationNanoseconds(1_800_000_000_000)).toBe(1_800_000_000_000n);
    expect(durationNanoseconds('30m')).toBe(1_800_000_000_000n);
    expect(durationNanoseconds('30 m')).toBeUndefined();
    expect(durationNanoseconds(1.5)).toBeUndefined();
  });
});
