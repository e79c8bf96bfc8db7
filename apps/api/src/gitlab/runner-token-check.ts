/**
 * Asks a GitLab whether it accepts a runner authentication token (`POST /api/v4/runners/verify`, the call
 * `gitlab-runner verify` makes). Used before Paddock stores a token an agent reports as rotated by gitlab-runner:
 * a machine's credential alone must not be able to plant a token of its choosing for a runner's other machines.
 */
export type TokenVerdict = 'valid' | 'invalid' | 'unknown';

export type RunnerTokenCheck = (gitlabUrl: string, token: string) => Promise<TokenVerdict>;

export function runnerTokenCheck(opts: {
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
}): RunnerTokenCheck {
  const fetchFn = opts.fetch ?? globalThis.fetch;
  return async (gitlabUrl, token) => {
    try {
      const res = await fetchFn(`${gitlabUrl.replace(/\/+$/, '')}/api/v4/runners/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      await res.body?.cancel();
      if (res.status === 200) return 'valid';
      // GitLab answers 403 for a token it does not know (or revoked); 401 on some versions.
      if (res.status === 403 || res.status === 401) return 'invalid';
      return 'unknown';
    } catch {
      // Unreachable: the rotation is kept rather than lost, since gitlab-runner has revoked the old token already.
      return 'unknown';
    }
  };
}
