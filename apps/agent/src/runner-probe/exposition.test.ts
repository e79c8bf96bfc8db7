import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition, parseValue } from './exposition.js';
import { extractRunnerMetrics } from './runner-metrics.js';
import { shortToken } from './short-token.js';

const SAMPLE = readFileSync(
  new URL('../../test/fixtures/gitlab-runner-metrics.txt', import.meta.url),
  'utf8',
);

describe('exposition parser', () => {
  it('reads every sample of a realistic gitlab-runner page, escapes included', () => {
    const { samples, invalidLines } = parseExposition(SAMPLE);
    expect(invalidLines).toBe(0);
    expect(samples).toHaveLength(28);
    const bucket = samples.find(
      (s) => s.name === 'gitlab_runner_job_duration_seconds_bucket' && s.labels.le === '+Inf',
    );
    expect(bucket?.labels.runner_name).toBe('docker "fast" lane');
    expect(samples.find((s) => s.labels.runner_name === 'shell\\build')).toBeDefined();
    expect(samples.find((s) => s.name === 'process_start_time_seconds')?.value).toBe(1.76e9);
  });

  it('handles special values, timestamps, odd spacing and broken lines without throwing', () => {
    const text = [
      'a NaN',
      'b{x="1"} +Inf 1700000000000',
      'c{ x = "1" , y="two words",} -Inf',
      'd{x="line\\nbreak"}7',
      'e\t3.5e-2',
      'f{x="unterminated} 1',
      'g{x=1} 1',
      'h 1 2 3',
      'i notanumber',
      'j',
      '  # indented comment',
      'k{__proto__="p"} 4\r',
    ].join('\n');
    const { samples, invalidLines } = parseExposition(text);
    expect(samples.map((s) => [s.name, s.value])).toEqual([
      ['a', NaN],
      ['b', Infinity],
      ['c', -Infinity],
      ['d', 7],
      ['e', 0.035],
      ['k', 4],
    ]);
    expect(samples[2]?.labels).toEqual({ x: '1', y: 'two words' });
    expect(samples[3]?.labels.x).toBe('line\nbreak');
    expect(samples[5]?.labels.__proto__).toBe('p');
    expect(invalidLines).toBe(5);
  });

  it('parses values the way Go does', () => {
    expect(parseValue('inf')).toBe(Infinity);
    expect(parseValue('-Inf')).toBe(-Infinity);
    expect(parseValue('nan')).toBeNaN();
    expect(parseValue('0x10')).toBeNull();
    expect(parseValue('')).toBeNull();
    expect(parseValue('.5')).toBe(0.5);
  });
});

describe('gitlab-runner metrics', () => {
  it('extracts running jobs per runner, limits, concurrent, version and errors', () => {
    const m = extractRunnerMetrics(parseExposition(SAMPLE).samples);
    expect(m.isGitlabRunner).toBe(true);
    expect(m.version).toBe('19.4.0');
    expect(m.concurrent).toBe(8);
    expect(m.errors).toEqual({ error: 3, fatal: 0, panic: 0, warning: 27 });
    expect(m.runners.get('pQ7vN2xK9')).toEqual({
      runnerName: 'docker "fast" lane',
      systemId: 's_ee3af03959fe',
      running: 3,
      limit: 4,
    });
    // NaN is not a job count.
    expect(m.runners.get('Zx81mmQaa')).toMatchObject({ running: 0, limit: 0, runnerName: 'shell\\build' });
  });

  it('recognises a page without gitlab_runner_ series', () => {
    expect(extractRunnerMetrics(parseExposition('go_goroutines 12\n').samples).isGitlabRunner).toBe(false);
  });
});

describe('short token', () => {
  it.each([
    ['glrt-t1_pQ7vN2xK9mR4sL8wZ3cY', 'pQ7vN2xK9'],
    ['glrt-pQ7vN2xK9mR4sL8wZ3cY', 'pQ7vN2xK9'],
    ['t3_pQ7vN2xK9mR4', 'pQ7vN2xK9'],
    ['glrtr-abcdefghijkl', 'abcdefghi'],
    ['GR1348941abcdefghijkl', 'abcdefghi'],
    ['glcbt-abcdefghijkl', 'abcdefghi'],
    ['plain-legacy-token', 'plain-leg'],
    ['short', 'short'],
  ])('%s → %s', (token, short) => {
    expect(shortToken(token)).toBe(short);
  });
});
