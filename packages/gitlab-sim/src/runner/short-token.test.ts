import { describe, expect, it } from 'vitest';
import { goExpandEnv } from './go-expand-env.js';
import { shortenToken } from './short-token.js';

describe('shortenToken', () => {
  it.each([
    ['glrt-t1_pQ7vN2xK9mR4sL8wZ3cY', 'pQ7vN2xK9'],
    ['glrt-pQ7vN2xK9mR4sL8wZ3cY', 'pQ7vN2xK9'],
    ['t2_pQ7vN2xK9mR4', 'pQ7vN2xK9'],
    ['glrtr-abcdefghijkl', 'abcdefghi'],
    ['glcbt-abcdefghijkl', 'abcdefghi'],
    ['GR1348941abcdefghijkl', 'abcdefghi'],
    // The prefixes are stripped in turn, like the Go list.
    ['glrt-glcbt-abcdefghijkl', 'abcdefghi'],
    ['short', 'short'],
    ['', ''],
    ['xglrt-abcdefghijkl', 'xglrt-abc'],
  ])('%s → %s', (token, short) => {
    expect(shortenToken(token)).toBe(short);
  });
});

describe('goExpandEnv (os.ExpandEnv)', () => {
  const env = { HOST: 'gitlab.example.com', TOKEN: 'glrt-secret', A_1: 'x', '1': 'one', '@': 'at' };

  it.each([
    ['https://$HOST/', 'https://gitlab.example.com/'],
    ['${TOKEN}', 'glrt-secret'],
    ['$A_1$A_1', 'xx'],
    ['$UNSET-suffix', '-suffix'],
    ['${UNSET}', ''],
    ['price: 5$', 'price: 5$'],
    ['a$%b', 'a$%b'],
    ['a${}b', 'ab'],
    ['a${b', 'ab'],
    ['$1st', 'onest'],
    ['${@}', 'at'],
    ['$$', ''],
    ['no variables', 'no variables'],
  ])('%s → %s', (text, expanded) => {
    expect(goExpandEnv(text, env)).toBe(expanded);
  });
});
