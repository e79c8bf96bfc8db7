/**
 * What tests do to the simulated GitLab from outside: count the requests it receives (per route, so a test can
 * assert how many upstream calls a client made) and inject failures before a request reaches its route: a 5xx in
 * GitLab's `{"message": "500 Internal Server Error"}` form, or a 429 the way GitLab's Rack::Attack throttle answers
 * (`Retry later` as text/plain with `Retry-After` and the `RateLimit-*` headers).
 */
import type { Clock } from './clock.js';
import { serverError } from './errors.js';
import type { SimReply } from './router.js';

export interface RequestRecord {
  readonly method: string;
  /** The path below /api/v4, without the query string. */
  readonly path: string;
  /** `METHOD /pattern` of the matched route (`GET /runners/:id`), or `METHOD /path` when none matched. */
  readonly route: string;
  readonly status: number;
  readonly at: Date;
}

/** The requests the simulator received, in order. */
export class RequestLog {
  private readonly records: RequestRecord[] = [];

  record(entry: RequestRecord): void {
    this.records.push(entry);
  }

  /** How many requests matched `route` (`'POST /jobs/request'`), or all requests without one. */
  count(route?: string): number {
    return route === undefined ? this.records.length : this.records.filter((r) => r.route === route).length;
  }

  /** Requests per route. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.records) out[r.route] = (out[r.route] ?? 0) + 1;
    return out;
  }

  list(): readonly RequestRecord[] {
    return [...this.records];
  }

  reset(): void {
    this.records.length = 0;
  }
}

export interface FaultScope {
  /** Only requests to this route (`'GET /runners/all'`); every route when absent. */
  readonly route?: string;
}

export interface RateLimitSettings {
  /** Requests allowed per period (across all clients, like a single token hammering the API). */
  readonly limit: number;
  readonly periodSeconds: number;
}

interface QueuedFault {
  remaining: number;
  readonly route?: string;
  readonly reply: () => SimReply;
}

export class Faults {
  private readonly queued: QueuedFault[] = [];
  private rateLimitSettings: RateLimitSettings | undefined;
  private window: { start: number; count: number } | undefined;

  constructor(private readonly clock: Clock) {}

  /** The next `count` matching requests fail with `status` (default 500). */
  failNext(count: number, status = 500, scope: FaultScope = {}): void {
    if (!Number.isInteger(count) || count < 1) throw new Error('count must be a whole number above 0');
    if (status < 500 || status > 599) throw new Error('status must be a 5xx status');
    this.queued.push({ remaining: count, ...scope, reply: () => errorReply(status) });
  }

  /** The next `count` matching requests are throttled with `Retry-After: retryAfterSeconds` (default 60). */
  rateLimitNext(count: number, retryAfterSeconds = 60, scope: FaultScope = {}): void {
    if (!Number.isInteger(count) || count < 1) throw new Error('count must be a whole number above 0');
    this.queued.push({
      remaining: count,
      ...scope,
      reply: () => throttledReply(retryAfterSeconds, 0, 0, this.clock()),
    });
  }

  /** A fixed window rate limit over all requests; `undefined` removes it. */
  rateLimit(settings: RateLimitSettings | undefined): void {
    if (settings && (!(settings.limit >= 1) || !(settings.periodSeconds > 0))) {
      throw new Error('limit must be at least 1 and periodSeconds above 0');
    }
    this.rateLimitSettings = settings;
    this.window = undefined;
  }

  /** Removes every injected fault and the rate limit. */
  clear(): void {
    this.queued.length = 0;
    this.rateLimit(undefined);
  }

  /** The reply that replaces the route's, if a fault applies to this request. */
  intercept(route: string): SimReply | undefined {
    const throttled = this.applyRateLimit();
    if (throttled) return throttled;
    const fault = this.queued.find((f) => f.route === undefined || f.route === route);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.queued.splice(this.queued.indexOf(fault), 1);
    return fault.reply();
  }

  private applyRateLimit(): SimReply | undefined {
    const settings = this.rateLimitSettings;
    if (!settings) return undefined;
    const now = this.clock().getTime();
    const periodMs = settings.periodSeconds * 1000;
    if (!this.window || now >= this.window.start + periodMs) this.window = { start: now, count: 0 };
    this.window.count += 1;
    if (this.window.count <= settings.limit) return undefined;
    const resetAt = this.window.start + periodMs;
    return throttledReply(
      Math.max(1, Math.ceil((resetAt - now) / 1000)),
      settings.limit,
      this.window.count,
      new Date(resetAt),
    );
  }
}

function errorReply(status: number): SimReply {
  const error = serverError(status);
  return { status, json: error.body };
}

function throttledReply(retryAfterSeconds: number, limit: number, observed: number, resetAt: Date): SimReply {
  const reset = limit === 0 ? new Date(resetAt.getTime() + retryAfterSeconds * 1000) : resetAt;
  return {
    status: 429,
    headers: {
      'Retry-After': String(retryAfterSeconds),
      'RateLimit-Name': 'throttle_authenticated_api',
      'RateLimit-Limit': String(limit),
      'RateLimit-Observed': String(observed),
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': String(Math.floor(reset.getTime() / 1000)),
      'RateLimit-ResetTime': reset.toUTCString(),
    },
    text: 'Retry later\n',
  };
}
