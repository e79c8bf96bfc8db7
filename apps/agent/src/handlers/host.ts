/** The host figures reported in `hello` and `status`, from node:os. */
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';

export interface HostSnapshot {
  cpuCount: number;
  load1: number;
  memoryBytes: number;
  memoryAvailableBytes: number;
}

export type HostInfo = () => HostSnapshot;

export const nodeHostInfo: HostInfo = () => ({
  cpuCount: Math.max(1, availableParallelism()),
  load1: Math.max(0, loadavg()[0] ?? 0),
  memoryBytes: Math.round(totalmem()),
  // libuv reads MemAvailable on Linux, which counts reclaimable caches, not just free pages.
  memoryAvailableBytes: Math.round(freemem()),
});
