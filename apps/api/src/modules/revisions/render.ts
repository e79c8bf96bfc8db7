/**
 * Turns Paddock's desired model of a machine into gitlab-runner's config.toml, through packages/runner-config's
 * deterministic, injection-safe renderer. Tokens are filled in here and nowhere else.
 */
import { renderRunnerConfig, type RunnerConfig } from '@paddock/runner-config';
import type { DesiredModel } from './desired-model.js';
import type { ConfigRenderer } from './revisions.service.js';

const NO_EXPIRY = '0001-01-01T00:00:00Z';

export function toRunnerConfig(model: DesiredModel, token: (runnerId: string) => string): RunnerConfig {
  const g = model.global;
  return {
    ...g.settings,
    concurrent: g.concurrent,
    ...(g.checkInterval !== null && { check_interval: g.checkInterval }),
    listen_address: g.listenAddress,
    runners: model.runners.map((r) => ({
      ...r.executorSettings,
      name: r.name,
      url: r.url,
      id: r.gitlabRunnerId,
      token: token(r.runnerId),
      token_obtained_at: r.tokenObtainedAt,
      token_expires_at: r.tokenExpiresAt ?? NO_EXPIRY,
      executor: r.executor,
      ...(r.limit !== null && { limit: r.limit }),
      ...(r.requestConcurrency !== null && { request_concurrency: r.requestConcurrency }),
    })),
  } as unknown as RunnerConfig;
}

export const renderConfigToml: ConfigRenderer = (model, token) =>
  renderRunnerConfig(toRunnerConfig(model, token));
