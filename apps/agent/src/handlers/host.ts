/** The host figures reported in `hello` and `status`, from node:os. */
import { availableParallelism, cpus, freemem, loadavg, totalmem } from 'node:os';

export interface HostSnapshot {
  cpuCount: number;
  load1: number;
  memoryBytes: number;
  memoryAvailableBytes: number;
  /** busy share of all cores since the previous snapshot; absent on the first one */
  cpuBusyPercent?: number;
}

export type HostInfo = () => HostSnapshot;

/** Cumulative CPU times of one core in milliseconds, as `os.cpus()` gives them. */
export interface CpuTimes {
  user: number;
  nice: number;
  sys: number;
  idle: number;
  irq: number;
}

interface CpuTotals {
  busy: number;
  total: number;
}

function totals(cores: ReadonlyArray<{ times: CpuTimes }>): CpuTotals {
  let busy = 0;
  let total = 0;
  for (const { times } of cores) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * The busy share between two samples of cumulative times, or undefined when it cannot be told: no time passed,
 * or the counters went backwards (a core went offline, the counters wrapped).
 */
export function busyPercentBetween(previous: CpuTotals, current: CpuTotals): number | undefined {
  const total = current.total - previous.total;
  const busy = current.busy - previous.busy;
  if (total <= 0 || busy < 0) return undefined;
  return Math.round(Math.min(100, (busy / total) * 100) * 10) / 10;
}

/**
 * A host reader that measures CPU busy time between calls: load1 counts runnable and uninterruptible tasks,
 * which says little on hosts whose jobs wait on disk or network, so the API prefers this figure.
 */
export function createHostInfo(
  source: { cpus: () => ReadonlyArray<{ times: CpuTimes }> } = { cpus },
): HostInfo {
  let previous: CpuTotals | null = null;
  return () => {
    const current = totals(source.cpus());
    const cpuBusyPercent = previous ? busyPercentBetween(previous, current) : undefined;
    previous = current;
    return {
      cpuCount: Math.max(1, availableParallelism()),
      load1: Math.max(0, loadavg()[0] ?? 0),
      memoryBytes: Math.round(totalmem()),
      // libuv reads MemAvailable on Linux, which counts reclaimable caches, not just free pages.
      memoryAvailableBytes: Math.round(freemem()),
      ...(cpuBusyPercent !== undefined && { cpuBusyPercent }),
    };
  };
}
