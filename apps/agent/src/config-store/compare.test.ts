/** The real comparer over @paddock/runner-config, with files as Paddock renders them and gitlab-runner saves them. */
import { describe, expect, it } from 'vitest';
import { runnerConfigComparer as comparer, UNPARSEABLE_PATH } from './compare.js';

const RENDERED = `# Rendered by Paddock: revision 12
concurrent = 4
check_interval = 0
listen_address = ":9252"

[[runners]]
  name = "docker-fast"
  limit = 2
  url = "https://gitlab.example.com/"
  id = 41
  token = "glrt-t1_pQ7vN2xK9mR4sL8wZ3cY"
  token_obtained_at = 2026-01-01T00:00:00Z
  token_expires_at = 2026-04-01T00:00:00Z
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = false
`;

// What gitlab-runner writes after a token rotation: its own layout and defaults, comments gone, a new token.
const ROTATED = `concurrent = 4
check_interval = 0
listen_address = ":9252"
connection_max_age = "15m0s"
shutdown_timeout = 0

[session_server]
  session_timeout = 1800

[[runners]]
  name = "docker-fast"
  limit = 2
  url = "https://gitlab.example.com/"
  id = 41
  token = "glrt-t1_NEWtokenNEWtoken0000"
  token_obtained_at = 2026-03-08T10:11:12.123456789Z
  token_expires_at = 2026-06-01T00:00:00Z
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = false
`;

describe('runner-config comparer', () => {
  it('accepts a valid config and refuses what gitlab-runner refuses', () => {
    expect(comparer.validate(RENDERED)).toEqual([]);
    expect(comparer.validate(RENDERED.replace('concurrent = 4', 'concurrent = 0'))).toEqual([
      expect.objectContaining({ path: 'concurrent' }),
    ]);
    expect(comparer.validate('concurrent = = 4').length).toBeGreaterThan(0);
  });

  it('sees no difference in comments, layout and the defaults gitlab-runner adds', () => {
    const resaved = ROTATED.replace('glrt-t1_NEWtokenNEWtoken0000', 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY')
      .replace('2026-03-08T10:11:12.123456789Z', '2026-01-01T00:00:00Z')
      .replace('2026-06-01T00:00:00Z', '2026-04-01T00:00:00Z');
    expect(comparer.compare(RENDERED, resaved)).toEqual({ kind: 'same' });
  });

  it('recognises a token rotation by gitlab-runner and returns the new token fields', () => {
    expect(comparer.compare(RENDERED, ROTATED)).toEqual({
      kind: 'tokenRotation',
      tokens: [
        {
          runner: { url: 'https://gitlab.example.com/', id: 41 },
          token: 'glrt-t1_NEWtokenNEWtoken0000',
          tokenObtainedAt: '2026-03-08T10:11:12.123456789Z',
          tokenExpiresAt: '2026-06-01T00:00:00Z',
        },
      ],
    });
  });

  it('reports other changes as drift with their paths, even together with a rotation', () => {
    expect(comparer.compare(RENDERED, RENDERED.replace('limit = 2', 'limit = 5'))).toEqual({
      kind: 'drift',
      paths: ['runners[0].limit'],
    });
    const both = comparer.compare(RENDERED, ROTATED.replace('concurrent = 4', 'concurrent = 8'));
    expect(both.kind).toBe('drift');
    expect(both.kind === 'drift' && both.paths).toContain('concurrent');
    expect(comparer.compare(RENDERED, 'this is [not toml')).toEqual({
      kind: 'drift',
      paths: [UNPARSEABLE_PATH],
    });
  });

  it('reads listen_address and the runners for the probe', () => {
    expect(comparer.inspect(RENDERED)).toEqual({
      listenAddress: ':9252',
      runners: [
        {
          ref: { url: 'https://gitlab.example.com/', id: 41 },
          token: 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY',
          name: 'docker-fast',
        },
      ],
    });
    expect(comparer.inspect('concurrent = 1\n')).toEqual({ listenAddress: undefined, runners: [] });
    expect(comparer.inspect('[[[')).toBeNull();
  });
});
