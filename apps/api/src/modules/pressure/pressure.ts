/**
 * Host pressure: the rules that tell when a machine's host is overwhelmed by the jobs its runners take (or idle
 * while jobs wait), and which job limit to suggest instead. Pure functions: the gateway store feeds them each
 * heartbeat, the machines service reads their verdict. Nothing here changes a limit; a person applies a
 * suggestion through the normal limit editor.
 */

export const PRESSURE_RULES = {
  /** CPU or memory use above this is "high" (while jobs run) */
  highPercent: 90,
  /** CPU and memory use both below this is "idle" */
  idlePercent: 50,
  /** how long a level must last before the machine is flagged */
  holdMs: 5 * 60_000,
} as const;

/** The host block of an agent's `status`. */
export interface HostFigures {
  cpuCount: number;
  load1: number;
  memoryBytes: number;
  memoryAvailableBytes: number;
  cpuBusyPercent?: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * CPU use in percent: the agent's measured busy share, or (from agents that do not send it) the one-minute load
 * per core, which can pass 100 when tasks queue for the CPUs.
 */
export function cpuPercent(host: HostFigures): number {
  if (host.cpuBusyPercent !== undefined) return round1(host.cpuBusyPercent);
  return round1((host.load1 / Math.max(1, host.cpuCount)) * 100);
}

/** Memory in use in percent: what is not available (MemAvailable counts reclaimable caches as free). */
export function memoryPercent(host: HostFigures): number {
  if (host.memoryBytes <= 0) return 0;
  const available = Math.min(host.memoryAvailableBytes, host.memoryBytes);
  return round1((1 - available / host.memoryBytes) * 100);
}

export type HostLevel = 'high' | 'idle' | 'normal';

/**
 * One heartbeat's level. High needs running jobs: a host busy with something else is not a reason to lower a
 * runner's limit.
 */
export function hostLevel(host: HostFigures, runningJobs: number): HostLevel {
  const cpu = cpuPercent(host);
  const memory = memoryPercent(host);
  if (runningJobs > 0 && (cpu > PRESSURE_RULES.highPercent || memory > PRESSURE_RULES.highPercent))
    return 'high';
  if (cpu < PRESSURE_RULES.idlePercent && memory < PRESSURE_RULES.idlePercent) return 'idle';
  return 'normal';
}

export interface PressureSince {
  highSince: Date | null;
  idleSince: Date | null;
}

/**
 * Carries the "since" stamps across a heartbeat: a level keeps its first stamp while it lasts and is cleared by
 * the first heartbeat without it, so only an unbroken run counts.
 */
export function nextSince(previous: PressureSince, level: HostLevel, at: Date): PressureSince {
  return {
    highSince: level === 'high' ? (previous.highSince ?? at) : null,
    idleSince: level === 'idle' ? (previous.idleSince ?? at) : null,
  };
}

/**
 * The level a machine is flagged with now, and since when, or null. An offline machine is never flagged: its
 * last figures say nothing about the host today.
 */
export function flaggedLevel(
  since: PressureSince,
  now: Date,
  online: boolean,
): { level: 'high' | 'idle'; since: Date } | null {
  if (!online) return null;
  const held = (d: Date | null) => d !== null && now.getTime() - d.getTime() >= PRESSURE_RULES.holdMs;
  if (held(since.highSince)) return { level: 'high', since: since.highSince! };
  if (held(since.idleSince)) return { level: 'idle', since: since.idleSince! };
  return null;
}

export interface LowerInput {
  /** the runner's jobs running on this host now */
  running: number;
  /** the runner's limit on this host (0: unlimited) */
  limit: number;
  /** the busier of CPU and memory use, in percent */
  observedPercent: number;
}

/**
 * A lower limit for an overloaded host: scale what the runner runs now to the share that would bring the host
 * back to the threshold, assuming each job costs the host alike:
 *
 *   suggested = max(1, floor(running × highPercent / observedPercent))
 *
 * e.g. 6 jobs at 120 % → floor(6 × 90 / 120) = 4. Null when that is not below the current limit (nothing to
 * lower, or the runner runs no job here and so is not the cause). An unlimited runner gets the scaled figure.
 */
export function suggestLowerLimit(input: LowerInput): number | null {
  if (input.running <= 0 || input.observedPercent <= 0) return null;
  const suggested = Math.max(
    1,
    Math.floor((input.running * PRESSURE_RULES.highPercent) / input.observedPercent),
  );
  if (input.limit > 0 && suggested >= input.limit) return null;
  return suggested;
}

export interface HigherInput {
  running: number;
  /** the runner's limit on this host (0: unlimited, which never needs raising) */
  limit: number;
  /** pending jobs this runner could take */
  waiting: number;
  observedPercent: number;
}

/**
 * A higher limit for an idle host whose runner is at its limit while jobs wait for it:
 *
 *   suggested = min(limit + waiting, floor(running × highPercent / observedPercent))
 *
 * The second term is the headroom: the job count that would bring the busier resource to the threshold if each
 * job costs the host alike (a host showing no use at all is capped by the waiting count alone). Null when the
 * runner has room, nothing waits, or the headroom allows nothing more.
 */
export function suggestHigherLimit(input: HigherInput): number | null {
  if (input.limit <= 0 || input.running < input.limit || input.waiting <= 0) return null;
  const wanted = input.limit + input.waiting;
  const headroom =
    input.observedPercent > 0
      ? Math.floor((input.running * PRESSURE_RULES.highPercent) / input.observedPercent)
      : wanted;
  const suggested = Math.min(wanted, headroom);
  return suggested > input.limit ? suggested : null;
}
