/** CPU busy share between heartbeats, from cumulative core times. */
import { describe, expect, it } from 'vitest';
import { busyPercentBetween, createHostInfo, type CpuTimes } from './host.js';

const core = (busy: number, idle: number): { times: CpuTimes } => ({
  times: { user: busy, nice: 0, sys: 0, idle, irq: 0 },
});

describe('host info', () => {
  it('reports no busy share on the first sample, then the share of time spent busy since the last one', () => {
    const samples = [
      [core(1000, 9000), core(1000, 9000)],
      // 2 cores, 2000 ms each: 3000 of 4000 ms busy
      [core(2500, 9500), core(2500, 9500)],
      [core(2500, 11500), core(2500, 11500)],
    ];
    let i = 0;
    const host = createHostInfo({ cpus: () => samples[i++]! });
    expect(host().cpuBusyPercent).toBeUndefined();
    const second = host();
    expect(second.cpuBusyPercent).toBe(75);
    expect(second.cpuCount).toBeGreaterThan(0);
    expect(host().cpuBusyPercent).toBe(0);
  });

  it('gives up rather than guess when no time passed or the counters went backwards', () => {
    expect(busyPercentBetween({ busy: 10, total: 100 }, { busy: 10, total: 100 })).toBeUndefined();
    expect(busyPercentBetween({ busy: 50, total: 100 }, { busy: 40, total: 200 })).toBeUndefined();
    expect(busyPercentBetween({ busy: 0, total: 0 }, { busy: 1, total: 3 })).toBe(33.3);
  });
});
