/**
 * Runner tokens as they sit in a config: what the agent reads back after gitlab-runner rotated a token, so that the
 * API can adopt the new one (DESIGN.md, "Drift is semantic").
 */
import type { RunnerConfig } from './schema.js';

export interface RunnerToken {
  /** Position in `[[runners]]`. */
  readonly index: number;
  readonly name?: string;
  readonly url?: string;
  /** GitLab's runner id (0 or absent for legacy registrations). */
  readonly id?: number;
  readonly token?: string;
  /** TOML datetime text, nanoseconds kept. */
  readonly tokenObtainedAt?: string;
  /** `0001-01-01T00:00:00Z` (see `isZeroDatetime`) or absent: the token does not expire. */
  readonly tokenExpiresAt?: string;
}

/** Every `[[runners]]` entry's identity and token. */
export function listRunnerTokens(config: RunnerConfig): RunnerToken[] {
  return (config.runners ?? []).map((r, index) => ({
    index,
    name: r.name,
    url: r.url,
    id: r.id,
    token: r.token,
    tokenObtainedAt: r.token_obtained_at,
    tokenExpiresAt: r.token_expires_at,
  }));
}

/**
 * The runner with this GitLab URL and runner id, matched like gitlab-runner's `RunnerByURLAndID` (exact URL and
 * id); undefined when none or more than one entry match, since then the token cannot be attributed.
 */
export function findRunnerToken(
  config: RunnerConfig,
  which: { url: string; id: number },
): RunnerToken | undefined {
  const matches = listRunnerTokens(config).filter((r) => r.url === which.url && (r.id ?? 0) === which.id);
  return matches.length === 1 ? matches[0] : undefined;
}
