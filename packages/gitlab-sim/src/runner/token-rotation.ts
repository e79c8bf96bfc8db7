/**
 * gitlab-runner's automatic token rotation, the pure parts (commands/multi.go `nextRunnerToReset`,
 * common/reset_token.go): which runner's token is due first, when, and the config with its new token. A token is
 * reset at `obtained + 0.75 × (expires − obtained)`; tokens without an expiry are never reset.
 */
import type { RunnerConfig, RunnerEntry } from '@paddock/runner-config';
import type { SimRunner } from './load-config.js';
import { goTimeText } from './save-config.js';

/** common.TokenResetIntervalFactor. */
export const TOKEN_RESET_INTERVAL_FACTOR = 0.75;

export interface TokenResetDue {
  readonly runner: SimRunner;
  /** ms since the epoch; may be in the past (then the reset is due at once). */
  readonly at: number;
}

/** The runner whose token is due first; the first such entry on a tie, as gitlab-runner's strict `Before`. */
export function nextRunnerToReset(runners: readonly SimRunner[]): TokenResetDue | undefined {
  let next: TokenResetDue | undefined;
  for (const runner of runners) {
    if (runner.tokenExpiresAt === null) continue;
    const at =
      runner.tokenObtainedAt + TOKEN_RESET_INTERVAL_FACTOR * (runner.tokenExpiresAt - runner.tokenObtainedAt);
    if (!next || at < next.at) next = { runner, at };
  }
  return next;
}

/** What `POST /runners/reset_authentication_token` gave. */
export interface NewToken {
  readonly token: string;
  /** ms since the epoch; null when the new token does not expire. */
  readonly expiresAt: number | null;
}

/**
 * The config with the token of `[[runners]]` entry `index` replaced, obtained `obtainedAt` (ms): what
 * `common.ResetToken` does to the loaded config before it is saved.
 */
export function withNewToken(
  model: RunnerConfig,
  index: number,
  token: NewToken,
  obtainedAt: number,
): RunnerConfig {
  const runners = (model.runners ?? []).map((entry, i): RunnerEntry =>
    i === index
      ? {
          ...entry,
          token: token.token,
          token_obtained_at: goTimeText(obtainedAt),
          token_expires_at: token.expiresAt === null ? undefined : goTimeText(token.expiresAt),
        }
      : entry,
  );
  return { ...model, runners };
}
