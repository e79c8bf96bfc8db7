/**
 * gitlab-runner's short token (helpers/shorten_token.go): the label `runner` on its metrics and the name in its
 * logs. Known prefixes are stripped one pattern after the other, then the first 9 characters are kept.
 */
const PREFIXES = [
  /^glrt-(t[123]_)?|^t[123]_|^glrtr-/, // runner authentication tokens, with an optional partition prefix
  /^glcbt-/, // job tokens
  /^GR[0-9A-Fa-f]{7}/, // legacy registration tokens
];

export function shortToken(token: string): string {
  let rest = token;
  for (const prefix of PREFIXES) rest = rest.replace(prefix, '');
  return rest.slice(0, 9);
}
