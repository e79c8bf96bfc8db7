import { parse as smolParse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { substituteDatetimes } from './toml-scan.js';

const marker = (n: number): string => `"@${n}"`;

describe('substituteDatetimes', () => {
  it('replaces datetimes in value position only, in order', () => {
    const src = [
      'a = 1979-05-27T07:32:00Z',
      'b = [ 1979-05-27 07:32:00.5+01:00 , 07:32:00,',
      '  # 2000-01-01T00:00:00Z',
      '  1979-05-27 ]',
      'c = { d = 10:20, "e" = "2000-01-01" }',
      '[t."1979-05-27"]',
      '1979-05-27 = 1979-05-27',
    ].join('\n');
    const out = substituteDatetimes(src, marker);
    expect(out?.datetimes.map((d) => d.raw)).toEqual([
      '1979-05-27T07:32:00Z',
      '1979-05-27 07:32:00.5+01:00',
      '07:32:00',
      '1979-05-27',
      '10:20',
      '1979-05-27',
    ]);
    expect(out?.datetimes[0]?.offset).toBe(4);
    expect(smolParse(out?.text ?? '')).toEqual({
      a: '@0',
      b: ['@1', '@2', '@3'],
      c: { d: '@4', e: '2000-01-01' },
      t: { '1979-05-27': { '1979-05-27': '@5' } },
    });
  });

  it('leaves numbers, booleans and strings alone', () => {
    const src = 'a = 1_000\nb = -0x1F\nc = 1e-5\nd = +inf\ne = true\nf = """\n12:30\n"""\ng = \'12:30\'\n';
    expect(substituteDatetimes(src, marker)).toEqual({ text: src, datetimes: [] });
  });

  it('handles CRLF line endings and multi-line inline tables (TOML 1.1)', () => {
    const src = 'a = {\r\n  b = 2025-01-01T00:00:00Z, # c\r\n}\r\n';
    expect(substituteDatetimes(src, marker)?.text).toBe('a = {\r\n  b = "@0", # c\r\n}\r\n');
  });

  it('gives up on text it cannot follow, so that the caller parses it untouched', () => {
    expect(substituteDatetimes('a = "unterminated\n', marker)).toBeUndefined();
    expect(substituteDatetimes('[table\n', marker)).toBeUndefined();
    expect(substituteDatetimes('a = [1, 2\n', marker)).toBeUndefined();
    expect(substituteDatetimes('= 1\n', marker)).toBeUndefined();
  });
});
