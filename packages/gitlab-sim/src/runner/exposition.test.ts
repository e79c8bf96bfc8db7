import { describe, expect, it } from 'vitest';
import { CounterVec, formatGoFloat, renderExposition } from './exposition.js';

describe('formatGoFloat (strconv.FormatFloat(v, g, -1, 64))', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [-3, '-3'],
    [1.1, '1.1'],
    [1.2100000000000002, '1.2100000000000002'],
    [123456, '123456'],
    [999999.5, '999999.5'],
    [1_000_000, '1e+06'],
    [1_234_567, '1.234567e+06'],
    [1.7e9, '1.7e+09'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0.000123, '0.000123'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%d → %s', (value, text) => {
    expect(formatGoFloat(value)).toBe(text);
  });
});

describe('renderExposition', () => {
  it('writes HELP and TYPE, sorts families, label names and series, escapes, and drops empty families', () => {
    const counter = new CounterVec('b_total', 'Help with \\ and\nnewline.', ['zeta', 'alpha']);
    counter.add(['z2', 'a"quoted"']);
    counter.add(['z1', 'line\nbreak'], 2);
    counter.touch(['z1', 'a']);
    const text = renderExposition([
      counter.family(),
      {
        name: 'a_gauge',
        help: 'A gauge.',
        type: 'gauge',
        labelNames: [],
        samples: [{ labels: [], value: 0.5 }],
      },
      { name: 'c_empty', help: 'Nothing.', type: 'gauge', labelNames: ['x'], samples: [] },
    ]);
    expect(text).toBe(
      [
        '# HELP a_gauge A gauge.',
        '# TYPE a_gauge gauge',
        'a_gauge 0.5',
        '# HELP b_total Help with \\\\ and\\nnewline.',
        '# TYPE b_total counter',
        'b_total{alpha="a",zeta="z1"} 0',
        'b_total{alpha="a\\"quoted\\"",zeta="z2"} 1',
        'b_total{alpha="line\\nbreak",zeta="z1"} 2',
        '',
      ].join('\n'),
    );
  });
});
