/**
 * gitlab-runner's short token (helpers/shorten_token.go `ShortenToken`): the `runner` label of its metrics and the
 * runner name in its logs. Known prefixes are stripped in turn, then the first 9 bytes are kept.
 */

/** Applied one after another, each anchored at the start, exactly like the Go list. */
const PREFIXES: readonly RegExp[] = [/^glrt-(t[123]_)?|^t[123]_|^glrtr-/, /^glcbt-/, /^GR[0-9A-Fa-f]{7}/];

const SHORT_TOKEN_BYTES = 9;

/** `glrt-t1_pQ7vN2xK9mR4sL8wZ3cY` → `pQ7vN2xK9`. */
export function shortenToken(token: string): string {
  let rest = token;
  for (const prefix of PREFIXES) rest = rest.replace(prefix, '');
  // Go slices bytes; tokens are ASCII in practice, so this only matters for odd hand-written values.
  const bytes = Buffer.from(rest, 'utf8');
  return bytes.length <= SHORT_TOKEN_BYTES ? rest : bytes.subarray(0, SHORT_TOKEN_BYTES).toString('utf8');
}
