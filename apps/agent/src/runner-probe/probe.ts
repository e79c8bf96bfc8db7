/**
 * The runner probe: one scrape of gitlab-runner's `/metrics` per heartbeat, turned into the `runner` part of a
 * `status` message. A scrape that fails (runner down, metrics disabled, timeout, not gitlab-runner) is reported
 * as `metricsOk: false` with the reason; it never throws.
 */
import type { Status } from '@paddock/protocol';
import type { ConfigRunner } from '../config-store/comparer.js';
import { errnoCode } from '../fs/file-system.js';
import { parseExposition } from './exposition.js';
import type { MetricsTarget } from './metrics-url.js';
import { extractRunnerMetrics } from './runner-metrics.js';
import { shortToken } from './short-token.js';

export type RunnerStatus = Status['runner'];

/** Where to scrape and which runners config.toml holds, resolved fresh for each scrape. */
export interface ProbeTarget {
  metrics: MetricsTarget;
  runners: ConfigRunner[];
}

export interface RunnerProbe {
  scrape(): Promise<RunnerStatus>;
  /** the version seen by the last successful scrape */
  lastVersion(): string | null;
  /** true once a scrape has completed (successfully or not) */
  hasScraped(): boolean;
}

export interface RunnerProbeOptions {
  target: () => Promise<ProbeTarget>;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** answers larger than this are refused */
  maxBytes?: number;
}

const ERROR_MAX = 500;

export function createRunnerProbe(options: RunnerProbeOptions): RunnerProbe {
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  let version: string | null = null;
  let scraped = false;

  const failure = (error: string, runners: ConfigRunner[]): RunnerStatus => ({
    metricsOk: false,
    error: error.length > ERROR_MAX ? `${error.slice(0, ERROR_MAX - 1)}…` : error,
    version: null,
    concurrent: null,
    jobs: dedupe(runners).map((r) => ({ runner: r.ref, running: 0, limit: null })),
  });

  async function scrapeOnce(): Promise<RunnerStatus> {
    let target: ProbeTarget;
    try {
      target = await options.target();
    } catch (err) {
      return failure(`cannot read config.toml: ${errnoCode(err) ?? String(err)}`, []);
    }
    const { metrics, runners } = target;
    if (metrics.url === null) return failure(metrics.reason, runners);

    let text: string;
    try {
      const response = await fetchFn(metrics.url, {
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        return failure(`${metrics.url} answered HTTP ${response.status}`, runners);
      }
      const length = Number(response.headers.get('content-length') ?? '0');
      if (length > maxBytes) {
        await response.body?.cancel().catch(() => {});
        return failure(`${metrics.url} answered ${length} bytes, more than ${maxBytes}`, runners);
      }
      text = await response.text();
    } catch (err) {
      return failure(`cannot scrape ${metrics.url}: ${describeFetchError(err, timeoutMs)}`, runners);
    }

    const parsed = extractRunnerMetrics(parseExposition(text).samples);
    if (!parsed.isGitlabRunner) return failure(`${metrics.url} serves no gitlab_runner_ metrics`, runners);
    version = parsed.version;
    const jobs = dedupe(runners).map((r) => {
      const series = parsed.runners.get(shortToken(r.token));
      return {
        runner: r.ref,
        running: Math.max(0, Math.round(series?.running ?? 0)),
        limit: series?.limit == null ? null : Math.round(series.limit),
      };
    });
    return {
      metricsOk: true,
      error: null,
      version: parsed.version,
      concurrent: parsed.concurrent === null ? null : Math.round(parsed.concurrent),
      jobs,
      errors: parsed.errors,
    };
  }

  return {
    async scrape() {
      try {
        return await scrapeOnce();
      } finally {
        scraped = true;
      }
    },
    lastVersion: () => version,
    hasScraped: () => scraped,
  };
}

// Two [[runners]] entries for the same GitLab runner are one runner to Paddock.
function dedupe(runners: ConfigRunner[]): ConfigRunner[] {
  const seen = new Set<string>();
  return runners.filter((r) => {
    const key = `${r.ref.url}\n${r.ref.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as unknown) : undefined;
  return (
    errnoCode(cause) ??
    (cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err))
  );
}
