/**
 * Reconnect delays: exponential backoff with full jitter (a uniform delay between 0 and the exponential bound),
 * so a fleet of agents that lost a restarting API do not all come back in the same second.
 */

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** The upper bound for the `attempt`-th retry (0-based): min(cap, base·2^attempt). */
export function backoffCeiling(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  // 2^attempt overflows to Infinity for large attempts; min() keeps the cap.
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
}

/** A delay for the `attempt`-th retry: uniform in [0, ceiling). `random` returns [0, 1) like Math.random. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}
