/** The host-pressure rules: thresholds, the five-minute hold, reset, and both suggestions. */
import { describe, expect, it } from 'vitest';
import {
  cpuPercent,
  flaggedLevel,
  hostLevel,
  memoryPercent,
  nextSince,
  suggestHigherLimit,
  suggestLowerLimit,
  type HostFigures,
  type PressureSince,
} from './pressure.js';

const GiB = 1024 ** 3;
const host = (over: Partial<HostFigures> = {}): HostFigures => ({
  cpuCount: 4,
  load1: 1,
  memoryBytes: 16 * GiB,
  memoryAvailableBytes: 12 * GiB,
  ...over,
});
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));

describe('host figures', () => {
  it('prefers the measured CPU busy share and falls back to load per core', () => {
    expect(cpuPercent(host({ cpuBusyPercent: 42.34 }))).toBe(42.3);
    expect(cpuPercent(host({ load1: 6 }))).toBe(150);
    expect(cpuPercent(host({ load1: 1, cpuCount: 0 }))).toBe(100);
  });

  it('counts memory in use as what is not available', () => {
    expect(memoryPercent(host())).toBe(25);
    expect(memoryPercent(host({ memoryBytes: 0 }))).toBe(0);
    expect(memoryPercent(host({ memoryAvailableBytes: 20 * GiB }))).toBe(0);
  });
});

describe('levels', () => {
  it('is high above 90 % of CPU or memory only while jobs run', () => {
    expect(hostLevel(host({ cpuBusyPercent: 91 }), 2)).toBe('high');
    expect(hostLevel(host({ memoryAvailableBytes: GiB }), 1)).toBe('high');
    expect(hostLevel(host({ cpuBusyPercent: 90 }), 2)).toBe('normal');
    expect(hostLevel(host({ cpuBusyPercent: 99 }), 0)).toBe('normal');
  });

  it('is idle when CPU and memory are both below 50 %', () => {
    expect(hostLevel(host({ cpuBusyPercent: 10 }), 3)).toBe('idle');
    expect(hostLevel(host({ cpuBusyPercent: 10, memoryAvailableBytes: 7 * GiB }), 3)).toBe('normal');
    expect(hostLevel(host({ cpuBusyPercent: 50 }), 0)).toBe('normal');
  });
});

describe('five-minute hold', () => {
  const run = (levels: Array<'high' | 'idle' | 'normal'>) => {
    let since: PressureSince = { highSince: null, idleSince: null };
    levels.forEach((level, minute) => (since = nextSince(since, level, at(minute))));
    return since;
  };

  it('keeps the first stamp of an unbroken run and flags it after five minutes', () => {
    const since = run(['normal', 'high', 'high', 'high', 'high', 'high', 'high']);
    expect(since).toEqual({ highSince: at(1), idleSince: null });
    expect(flaggedLevel(since, at(5), true)).toBeNull();
    expect(flaggedLevel(since, at(6), true)).toEqual({ level: 'high', since: at(1) });
  });

  it('starts again after one heartbeat below the threshold', () => {
    const since = run(['high', 'high', 'high', 'high', 'normal', 'high']);
    expect(since.highSince).toEqual(at(5));
    expect(flaggedLevel(since, at(9), true)).toBeNull();
  });

  it('tracks idle the same way, and never flags an offline machine', () => {
    const since = run(['idle', 'idle']);
    expect(flaggedLevel(since, at(5), true)).toEqual({ level: 'idle', since: at(0) });
    expect(flaggedLevel(since, at(5), false)).toBeNull();
  });
});

describe('suggestions', () => {
  it('lowers the limit in proportion to the headroom, never to zero', () => {
    expect(suggestLowerLimit({ running: 6, limit: 8, observedPercent: 120 })).toBe(4);
    expect(suggestLowerLimit({ running: 1, limit: 4, observedPercent: 300 })).toBe(1);
    expect(suggestLowerLimit({ running: 5, limit: 0, observedPercent: 100 })).toBe(4);
  });

  it('suggests nothing that is not lower, or for a runner running nothing here', () => {
    expect(suggestLowerLimit({ running: 1, limit: 1, observedPercent: 95 })).toBeNull();
    expect(suggestLowerLimit({ running: 0, limit: 4, observedPercent: 95 })).toBeNull();
  });

  it('raises a full runner on an idle host by the waiting jobs, capped by the headroom', () => {
    expect(suggestHigherLimit({ running: 2, limit: 2, waiting: 3, observedPercent: 20 })).toBe(5);
    // 4 jobs use 40 %: 9 would reach 90 %, so 6 waiting jobs get 5 more slots, not 6
    expect(suggestHigherLimit({ running: 4, limit: 4, waiting: 6, observedPercent: 40 })).toBe(9);
    expect(suggestHigherLimit({ running: 2, limit: 2, waiting: 3, observedPercent: 0 })).toBe(5);
  });

  it('does not raise a runner with room, an unlimited one, or when nothing waits', () => {
    expect(suggestHigherLimit({ running: 1, limit: 2, waiting: 3, observedPercent: 10 })).toBeNull();
    expect(suggestHigherLimit({ running: 3, limit: 0, waiting: 3, observedPercent: 10 })).toBeNull();
    expect(suggestHigherLimit({ running: 2, limit: 2, waiting: 0, observedPercent: 10 })).toBeNull();
    expect(suggestHigherLimit({ running: 2, limit: 2, waiting: 5, observedPercent: 89 })).toBeNull();
  });
});
