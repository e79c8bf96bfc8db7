/**
 * Go's `os.ExpandEnv`, which gitlab-runner applies to each runner's `url` and `token` at load
 * (common/config.go `RunnerConfig.loadConfig`). Same edge cases as Go: `$NAME`, `${NAME}`, one-character special
 * names (`$1`, `$@`, `${*}` ...), a lone `$` before a non-name is kept, `${}` and an unclosed `${` are dropped, and
 * an unset variable becomes the empty string.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

const SPECIAL = new Set([
  '*',
  '#',
  '$',
  '@',
  '!',
  '?',
  '-',
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
]);

function isNameChar(c: string): boolean {
  return c === '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** The variable name right after a `$`, and how many characters it spans (0: none). */
function nameAfterDollar(s: string): { name: string; width: number } {
  if (s[0] === '{') {
    if (s.length > 2 && SPECIAL.has(s[1] as string) && s[2] === '}')
      return { name: s[1] as string, width: 3 };
    const close = s.indexOf('}', 1);
    if (close === 1) return { name: '', width: 2 };
    if (close === -1) return { name: '', width: 1 };
    return { name: s.slice(1, close), width: close + 1 };
  }
  if (SPECIAL.has(s[0] as string)) return { name: s[0] as string, width: 1 };
  let end = 0;
  while (end < s.length && isNameChar(s[end] as string)) end++;
  return { name: s.slice(0, end), width: end };
}

export function goExpandEnv(text: string, env: Environment): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$' || i + 1 >= text.length) continue;
    out += text.slice(copied, i);
    const { name, width } = nameAfterDollar(text.slice(i + 1));
    if (name !== '') out += env[name] ?? '';
    else if (width === 0) out += '$';
    // else: invalid syntax such as `${}`; Go drops it.
    i += width;
    copied = i + 1;
  }
  return out + text.slice(copied);
}
