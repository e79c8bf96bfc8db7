/** Per-process CPU time and memory from /proc (Linux), for benchmarks that measure a process from outside it. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** user + system CPU time of a process so far, in milliseconds; NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Total CPU time of several processes, in milliseconds (processes that are gone count 0). */
export function cpuMsOf(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    const v = cpuMs(pid);
    return Number.isNaN(v) ? sum : sum + v;
  }, 0);
}

function statusField(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size now, in bytes. */
export const rssBytes = (pid: number) => statusField(pid, 'VmRSS');

/** Peak resident set size since the process started or since `resetPeakRss`, in bytes. */
export const peakRssBytes = (pid: number) => statusField(pid, 'VmHWM');

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, our own processes); false when the kernel refused. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Pids of the local Postgres serving `database`: its backends for that database, and the server's own processes
 * (writer, WAL writer, checkpointer...). Backends of other databases (other people's tests) are left out.
 */
export function postgresPids(database: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      // Client backends are titled "postgres: <cluster>: <user> <database> <host>(<port>) <state>".
      const backend = /\(\d+\)/.test(cmdline);
      if (!backend || cmdline.includes(` ${database} `)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU time of this process so far, in milliseconds. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** CPU time spent busy (not idle or waiting for I/O) by the whole machine so far, in milliseconds. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (
    (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) /
    TICKS_PER_SECOND
  );
}
