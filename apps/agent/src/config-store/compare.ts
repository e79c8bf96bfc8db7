/**
 * The ConfigComparer over @paddock/runner-config: the one file of the agent that knows the TOML model.
 * Validation refuses what gitlab-runner would refuse (errors only; warnings do not block an apply). Comparison
 * is the package's semantic diff, so gitlab-runner re-saving the file in its own layout with its defaults is
 * not drift, and a diff that only touches runner token fields is a rotation.
 */
import {
  diffRunnerConfigs,
  listRunnerTokens,
  onlyTokenRotation,
  parseRunnerConfig,
  validateRunnerConfig,
  ZERO_TIME,
  type Problem,
} from '@paddock/runner-config';
import type { ConfigComparer, ConfigDifference, ConfigProblem, RotatedTokenFields } from './comparer.js';

/** Path reported when the file on disk is not a config gitlab-runner can load. */
export const UNPARSEABLE_PATH = '(unparseable)';

const MAX_PATHS = 1000;

function errorsOf(problems: readonly Problem[]): ConfigProblem[] {
  return problems.filter((p) => p.severity === 'error').map(({ path, message }) => ({ path, message }));
}

export const runnerConfigComparer: ConfigComparer = {
  validate(text) {
    const parsed = parseRunnerConfig(text);
    if (!parsed.ok) return errorsOf(parsed.problems);
    return errorsOf(validateRunnerConfig(parsed.config));
  },

  compare(appliedText, diskText): ConfigDifference {
    const applied = parseRunnerConfig(appliedText);
    const disk = parseRunnerConfig(diskText);
    if (!applied.ok || !disk.ok) return { kind: 'drift', paths: [UNPARSEABLE_PATH] };

    const changes = diffRunnerConfigs(applied.config, disk.config);
    if (changes.length === 0) return { kind: 'same' };
    if (onlyTokenRotation(changes)) {
      const tokens = rotatedTokens(
        listRunnerTokens(disk.config),
        changes.map((c) => c.path),
      );
      if (tokens) return { kind: 'tokenRotation', tokens };
    }
    return { kind: 'drift', paths: [...new Set(changes.map((c) => c.path))].slice(0, MAX_PATHS) };
  },

  inspect(text) {
    const parsed = parseRunnerConfig(text);
    if (!parsed.ok) return null;
    const runners = listRunnerTokens(parsed.config).flatMap((r) =>
      r.url && r.token
        ? [{ ref: { url: r.url, id: Math.max(0, r.id ?? 0) }, token: r.token, name: r.name ?? null }]
        : [],
    );
    return { listenAddress: parsed.config.listen_address, runners };
  },
};

/**
 * The new token fields of every runner a rotation touched, or null when one of them cannot be reported (no
 * token left, no URL): that is not a rotation Paddock can adopt, so it is drift.
 */
function rotatedTokens(
  entries: ReturnType<typeof listRunnerTokens>,
  paths: readonly string[],
): RotatedTokenFields[] | null {
  const indices = [...new Set(paths.map((p) => Number(/^runners\[(\d+)\]/.exec(p)?.[1])))].sort(
    (a, b) => a - b,
  );
  const tokens: RotatedTokenFields[] = [];
  for (const index of indices) {
    const entry = entries[index];
    if (!entry?.token || !entry.url) return null;
    tokens.push({
      runner: { url: entry.url, id: Math.max(0, entry.id ?? 0) },
      token: entry.token,
      // An absent timestamp is what gitlab-runner writes as the zero time.
      tokenObtainedAt: entry.tokenObtainedAt ?? ZERO_TIME,
      tokenExpiresAt: entry.tokenExpiresAt ?? ZERO_TIME,
    });
  }
  return tokens.length > 0 ? tokens : null;
}
