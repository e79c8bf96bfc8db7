/**
 * How busy the machine was around a run. Other people's work shares it; a section says so when the load average
 * was above 2 (this machine has two cores).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Load averages over 1, 5 and 15 minutes, as `uptime` prints them. */
export function loadAverages(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = os.loadavg();
  return [a, b, c];
}

/** The `uptime` line, or the load averages when the command is missing. */
export function uptimeLine(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadAverages()
      .map((v) => v.toFixed(2))
      .join(', ')}`;
  }
}

/** A sentence for RESULTS.md about the load before and after a run. */
export function loadNote(before: [number, number, number], after: [number, number, number]): string {
  const loaded = Math.max(before[0], after[0]) > 2;
  const fmt = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  return (
    `Load average (1 / 5 / 15 min) ${fmt(before)} before, ${fmt(after)} after` +
    (loaded
      ? ': **the run was on a loaded machine** (other people’s test runs shared its cores), so latencies and durations are upper bounds.'
      : '.')
  );
}
