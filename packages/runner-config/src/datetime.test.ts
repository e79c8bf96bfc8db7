import { describe, expect, it } from 'vitest';
import { canonicalUtc, isZeroDatetime, parseTomlDatetime, sameDatetime } from './index.js';

describe('TOML datetimes as gitlab-runner reads them', () => {
  it('classifies the four kinds and normalises their text', () => {
    expect(parseTomlDatetime('2025-06-01T12:00:00.123456789Z')).toMatchObject({
      kind: 'offset',
      nanos: 123456789,
    });
    expect(parseTomlDatetime('2025-06-01 12:00:00')?.kind).toBe('local-datetime');
    expect(parseTomlDatetime('2025-06-01')?.kind).toBe('local-date');
    expect(parseTomlDatetime('12:00')).toMatchObject({ kind: 'local-time', text: '12:00:00' });
    expect(parseTomlDatetime('2025-06-01t12:00z')?.text).toBe('2025-06-01T12:00:00Z');
  });

  it.each([
    '2025-02-29T00:00:00Z',
    '2025-13-01',
    '2025-01-01T24:00:00Z',
    '2025-01-01T00:60:00Z',
    '2025-01-01T00:00:60Z',
    '1:00:00',
    '2025-01-01Z',
    'T12:00:00',
    '2025-01-01T00:00:00+24:00',
    '12:00.5',
  ])('refuses %s', (text) => {
    expect(parseTomlDatetime(text)).toBeUndefined();
  });

  it('accepts leap days', () => {
    expect(parseTomlDatetime('2024-02-29T00:00:00Z')).toBeDefined();
    expect(parseTomlDatetime('2000-02-29')).toBeDefined();
    expect(parseTomlDatetime('1900-02-29')).toBeUndefined();
  });

  it('compares offset datetimes as instants, to the nanosecond', () => {
    expect(sameDatetime('2025-06-01T12:00:00Z', '2025-06-01T14:00:00+02:00')).toBe(true);
    expect(sameDatetime('2025-06-01T12:00:00.000000001Z', '2025-06-01T12:00:00Z')).toBe(false);
    expect(sameDatetime('2025-06-01T12:00:00.1Z', '2025-06-01T12:00:00.100000000Z')).toBe(true);
    expect(sameDatetime('2025-06-01T12:00:00', '2025-06-01T12:00:00Z')).toBe(false);
  });

  it('knows the zero time.Time', () => {
    expect(isZeroDatetime('0001-01-01T00:00:00Z')).toBe(true);
    expect(isZeroDatetime('0001-01-01T01:00:00+01:00')).toBe(true);
    expect(isZeroDatetime('0001-01-01T00:00:00.000000001Z')).toBe(false);
  });

  it('writes offset datetimes in UTC like Go RFC3339Nano', () => {
    expect(canonicalUtc('2025-06-01T00:30:00.120+02:00')).toBe('2025-05-31T22:30:00.12Z');
    expect(canonicalUtc('1969-12-31T23:59:59.999999999-00:00')).toBe('1969-12-31T23:59:59.999999999Z');
    expect(canonicalUtc('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00Z');
  });
});
