/**
 * A new runner's executor settings, checked the way gitlab-runner checks its config.toml (through
 * packages/runner-config): the settings become one `[[runners]]` entry of a throw-away config, and every error
 * gitlab-runner would report on it is a field error of the request. Keys Paddock renders itself are refused, so a
 * form cannot smuggle in a token, URL or limit.
 */
import type { FieldError, RunnerExecutor } from '@paddock/contracts';
import { validateRunnerConfig, type RunnerConfig } from '@paddock/runner-config';

/** `[[runners]]` keys rendered from Paddock's own fields (see revisions/render.ts). */
const PADDOCK_KEYS = new Set([
  'name',
  'url',
  'id',
  'token',
  'token_obtained_at',
  'token_expires_at',
  'executor',
  'limit',
  'request_concurrency',
]);

const SETTINGS_PATH = 'body.executor.settings';

/** `runners[0].docker.pull_policy[0]` / `…sysctls["a.b"]` → `body.executor.settings.docker.pull_policy.0`. */
function requestPath(configPath: string): string {
  const rest = configPath
    .replace(/^runners\[0\]\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\["((?:[^"\\]|\\.)*)"\]/g, '.$1');
  return rest ? `${SETTINGS_PATH}.${rest}` : SETTINGS_PATH;
}

export function executorSettingsErrors(executor: RunnerExecutor): FieldError[] {
  const settings = executor.settings as Record<string, unknown>;
  const owned: FieldError[] = Object.keys(settings)
    .filter((key) => PADDOCK_KEYS.has(key))
    .map((key) => ({
      path: `${SETTINGS_PATH}.${key}`,
      message: 'Paddock sets this key itself',
      code: 'paddock_owned',
    }));
  if (owned.length) return owned;
  const config = {
    concurrent: 1,
    runners: [
      {
        ...settings,
        name: 'validation',
        url: 'https://gitlab.invalid',
        token: 'glrt-validation-only',
        executor: executor.name,
      },
    ],
  } as unknown as RunnerConfig;
  return validateRunnerConfig(config)
    .filter((p) => p.severity === 'error' && p.path.startsWith('runners[0]'))
    .map((p) => ({ path: requestPath(p.path), message: p.message, code: 'runner_config' }));
}
