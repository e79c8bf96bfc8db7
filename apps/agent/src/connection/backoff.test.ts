import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

describe('backoff', () => {
  it('doubles from the base up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeiling(a))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(backoffCeiling(5000)).toBe(DEFAULT_BACKOFF.capMs);
  });

  it('draws uniformly between 0 and the ceiling (full jitter)', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999999)).toBe(3999);
    expect(backoffDelay(50, DEFAULT_BACKOFF, () => 0.999999)).toBeLessThan(30_000);
  });

  it('spreads real delays over the whole range, never above the ceiling', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(6));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(30_000);
    // Full jitter, not "cap ± a little": both halves of the range are used.
    expect(delays.filter((d) => d < 15_000).length).toBeGreaterThan(700);
    expect(delays.filter((d) => d >= 15_000).length).toBeGreaterThan(700);
    expect(new Set(delays).size).toBeGreaterThan(1500);
  });
});
