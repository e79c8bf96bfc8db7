/**
 * The gitlab-runner metrics Paddock reports, picked out of a parsed exposition. Per-runner series are keyed by
 * the `runner` label, which is the short token (see short-token.ts); mapping them to config.toml entries happens
 * in the probe.
 */
import type { Sample } from './exposition.js';

export interface RunnerSeries {
  runnerName: string | null;
  systemId: string | null;
  /** sum of gitlab_runner_jobs{state="running"} over stages */
  running: number;
  /** gitlab_runner_limit (0 = unlimited), when reported */
  limit: number | null;
}

export interface RunnerMetrics {
  /** gitlab_runner_version_info{version} */
  version: string | null;
  /** gitlab_runner_concurrent */
  concurrent: number | null;
  /** gitlab_runner_errors_total by level */
  errors: Record<string, number>;
  /** by short token */
  runners: Map<string, RunnerSeries>;
  /** false when no gitlab_runner_* series was seen at all (not a gitlab-runner endpoint) */
  isGitlabRunner: boolean;
}

export function extractRunnerMetrics(samples: readonly Sample[]): RunnerMetrics {
  const out: RunnerMetrics = {
    version: null,
    concurrent: null,
    errors: {},
    runners: new Map(),
    isGitlabRunner: false,
  };
  const series = (labels: Record<string, string>): RunnerSeries | null => {
    const token = labels.runner;
    if (!token) return null;
    let s = out.runners.get(token);
    if (!s) {
      s = {
        runnerName: labels.runner_name ?? null,
        systemId: labels.system_id ?? null,
        running: 0,
        limit: null,
      };
      out.runners.set(token, s);
    }
    return s;
  };

  for (const { name, labels, value } of samples) {
    if (!name.startsWith('gitlab_runner_')) continue;
    out.isGitlabRunner = true;
    switch (name) {
      case 'gitlab_runner_jobs': {
        const s = series(labels);
        // The gauge has one series per stage and executor stage; only finite values count.
        if (s && labels.state === 'running' && Number.isFinite(value) && value > 0) s.running += value;
        break;
      }
      case 'gitlab_runner_limit': {
        const s = series(labels);
        if (s && Number.isFinite(value)) s.limit = value;
        break;
      }
      case 'gitlab_runner_concurrent':
        if (Number.isFinite(value)) out.concurrent = value;
        break;
      case 'gitlab_runner_version_info':
        if (labels.version) out.version = labels.version;
        break;
      case 'gitlab_runner_errors_total':
        if (labels.level && Number.isFinite(value) && value >= 0) {
          out.errors[labels.level] = (out.errors[labels.level] ?? 0) + value;
        }
        break;
    }
  }
  return out;
}
