import { describe, expect, it } from 'vitest';
import {
  diffRunnerConfigs,
  findRunnerToken,
  listRunnerTokens,
  normalizeRunnerConfig,
  onlyTokenRotation,
  parseRunnerConfig,
  type RunnerConfig,
} from './index.js';

function model(text: string): RunnerConfig {
  const r = parseRunnerConfig(text);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r.config;
}

function diff(a: string, b: string): Array<[string, unknown, unknown]> {
  return diffRunnerConfigs(model(a), model(b)).map((c) => [c.path, c.before, c.after]);
}

/** What Paddock would render: only the keys it sets. */
const desired = `# rendered by Paddock
concurrent = 4

[[runners]]
  name = "build-1"
  limit = 2
  request_concurrency = 2
  url = "https://gitlab.example.com/"
  id = 42
  token = "glrt-original-token"
  executor = "docker"
  unhealthy_interval = "30m"
  [runners.docker]
    image = "alpine:3.20"
    pull_policy = "if-not-present"
    privileged = false
  [runners.custom_build_dir]
`;

/** The same config after gitlab-runner loaded and saved it (its defaults, zero values and layout). */
const savedByRunner = `concurrent = 4
check_interval = 0
connection_max_age = "15m0s"
shutdown_timeout = 0

[session_server]
  session_timeout = 1800

[[runners]]
  name = "build-1"
  limit = 2
  request_concurrency = 2
  unhealthy_interval = "30m0s"
  url = "https://gitlab.example.com/"
  id = 42
  token = "glrt-original-token"
  token_obtained_at = 0001-01-01T00:00:00Z
  token_expires_at = 0001-01-01T00:00:00Z
  executor = "docker"
  [runners.docker]
    tls_verify = false
    image = "alpine:3.20"
    privileged = false
    disable_entrypoint_overwrite = false
    oom_kill_disable = false
    disable_cache = false
    volume_keep = false
    pull_policy = ["if-not-present"]
    shm_size = 0
    network_mtu = 0
`;

describe('diffRunnerConfigs: what gitlab-runner does not notice', () => {
  it('ignores gitlab-runner re-saving the file: defaults, zero values, layout and comments', () => {
    expect(diff(desired, savedByRunner)).toEqual([]);
  });

  it('compares durations by value: "30m", "30m0s" and integer nanoseconds', () => {
    const a = '[[runners]]\n  unhealthy_interval = "30m"\n';
    expect(diff(a, '[[runners]]\n  unhealthy_interval = "30m0s"\n')).toEqual([]);
    expect(diff(a, '[[runners]]\n  unhealthy_interval = 1800000000000\n')).toEqual([]);
    expect(diff(a, '[[runners]]\n  unhealthy_interval = "0.5h"\n')).toEqual([]);
    expect(diff('connection_max_age = "15m"\n', '')).toEqual([]);
  });

  it('treats pull_policy = "x" and ["x"] alike (StringOrArray)', () => {
    expect(
      diff(
        '[[runners]]\n  [runners.kubernetes]\n    pull_policy = "always"\n',
        '[[runners]]\n  kubernetes = { pull_policy = ["always"] }\n',
      ),
    ).toEqual([]);
  });

  it('ignores key order, formatting and unknown keys', () => {
    expect(
      diff(
        'concurrent = 2\n[[runners]]\n  executor = "shell"\n  name = "a"\n',
        '# comment\n  concurrent   =   2   # again\n[[runners]]\nname=\'a\'\nexecutor="shell"\nnot_a_key = true\n',
      ),
    ).toEqual([]);
  });

  it('knows the defaults of absent keys', () => {
    expect(diff('', 'concurrent = 1\n[session_server]\nsession_timeout = 1800\n')).toEqual([]);
    expect(
      diff('[[runners]]\n', '[[runners]]\n  limit = 0\n  id = 0\n  name = ""\n  environment = []\n'),
    ).toEqual([]);
    expect(
      diff(
        '[[runners]]\n',
        '[[runners]]\n  [runners.feature_flags]\n    FF_USE_FASTZIP = true\n    FF_NETWORK_PER_BUILD = false\n',
      ),
    ).toEqual([]);
    expect(
      diff('[[runners]]\n', '[[runners]]\n  [runners.custom_build_dir]\n  [runners.artifact]\n'),
    ).toEqual([]);
  });

  it('compares datetimes as instants, and the zero time as absent', () => {
    expect(
      diff(
        '[[runners]]\n  token_obtained_at = 2025-06-01T12:00:00Z\n',
        '[[runners]]\n  token_obtained_at = 2025-06-01T14:00:00.000+02:00\n  token_expires_at = 0001-01-01T00:00:00Z\n',
      ),
    ).toEqual([]);
  });

  it('ignores the top-level user, which gitlab-runner run replaces with its --user flag', () => {
    expect(diff('user = "gitlab-runner"\n', 'user = "root"\n')).toEqual([]);
  });
});

describe('diffRunnerConfigs: real changes', () => {
  it('reports each changed key with its path and both values', () => {
    const after = savedByRunner
      .replace('limit = 2', 'limit = 6')
      .replace('image = "alpine:3.20"', 'image = "alpine:3.21"')
      .replace('pull_policy = ["if-not-present"]', 'pull_policy = ["always", "if-not-present"]')
      .replace('connection_max_age = "15m0s"', 'connection_max_age = "20m"')
      .replace('concurrent = 4', 'concurrent = 1');
    expect(diff(desired, after)).toEqual([
      ['concurrent', 4, 1],
      ['runners[0].limit', 2, 6],
      ['runners[0].docker.image', 'alpine:3.20', 'alpine:3.21'],
      ['runners[0].docker.pull_policy', ['if-not-present'], ['always', 'if-not-present']],
      // Paths come in gitlab-runner's struct order, where connection_max_age follows [[runners]].
      ['connection_max_age', '15m0s', '20m0s'],
    ]);
  });

  it('shows the default for an absent key, and reports added and removed runners', () => {
    expect(
      diff(
        '[[runners]]\n  name = "a"\n',
        '[[runners]]\n  name = "a"\n  limit = 3\n[[runners]]\n  name = "b"\n',
      ),
    ).toEqual([
      ['runners[0].limit', 0, 3],
      ['runners[1]', undefined, { name: 'b' }],
    ]);
    expect(diff('concurrent = 3\n', '')).toEqual([['concurrent', 3, 1]]);
  });

  it('keeps nil and zero apart where gitlab-runner does (pointer keys and sections)', () => {
    expect(diff('[[runners]]\n', '[[runners]]\n  [runners.kubernetes]\n    privileged = false\n')).toEqual([
      ['runners[0].kubernetes', undefined, { privileged: false }],
    ]);
    expect(
      diff(
        '[[runners]]\n  [runners.kubernetes]\n',
        '[[runners]]\n  [runners.kubernetes]\n    privileged = false\n',
      ),
    ).toEqual([['runners[0].kubernetes.privileged', undefined, false]]);
    expect(diff('[[runners]]\n', '[[runners]]\n  [runners.docker]\n')).toEqual([
      ['runners[0].docker', undefined, {}],
    ]);
  });

  it('reports feature flags by name, and map entries by key', () => {
    expect(
      diff(
        '[[runners]]\n  [runners.feature_flags]\n    FF_TIMESTAMPS = true\n  [runners.docker.sysctls]\n    "net.a" = "1"\n',
        '[[runners]]\n  [runners.feature_flags]\n    FF_TIMESTAMPS = false\n  [runners.docker.sysctls]\n    "net.a" = "2"\n',
      ),
    ).toEqual([
      ['runners[0].feature_flags.FF_TIMESTAMPS', undefined, false],
      ['runners[0].docker.sysctls["net.a"]', '1', '2'],
    ]);
  });

  it('sees a change of nanoseconds in a datetime', () => {
    expect(
      diff(
        '[[runners]]\n  token_obtained_at = 2025-06-01T12:00:00Z\n',
        '[[runners]]\n  token_obtained_at = 2025-06-01T12:00:00.000000001Z\n',
      ),
    ).toEqual([['runners[0].token_obtained_at', '2025-06-01T12:00:00Z', '2025-06-01T12:00:00.000000001Z']]);
  });
});

describe('token rotation by gitlab-runner', () => {
  const rotated = savedByRunner
    .replace('token = "glrt-original-token"', 'token = "glrt-rotated-token"')
    .replace('token_obtained_at = 0001-01-01T00:00:00Z', 'token_obtained_at = 2025-06-01T12:00:00.123456789Z')
    .replace('token_expires_at = 0001-01-01T00:00:00Z', 'token_expires_at = 2025-09-01T12:00:00Z');

  it('is recognised when only token, token_obtained_at and token_expires_at changed', () => {
    const changes = diffRunnerConfigs(model(desired), model(rotated));
    expect(changes.map((c) => c.path)).toEqual([
      'runners[0].token',
      'runners[0].token_obtained_at',
      'runners[0].token_expires_at',
    ]);
    expect(onlyTokenRotation(changes)).toBe(true);
  });

  it('is not claimed when anything else changed too, or when nothing changed', () => {
    expect(
      onlyTokenRotation(diffRunnerConfigs(model(desired), model(rotated.replace('limit = 2', 'limit = 3')))),
    ).toBe(false);
    expect(onlyTokenRotation(diffRunnerConfigs(model(desired), model(savedByRunner)))).toBe(false);
    expect(onlyTokenRotation([{ path: 'runners[0].url', before: 'a', after: 'b' }])).toBe(false);
  });

  it('lets the API read the new token by runner url and id', () => {
    const config = model(rotated);
    expect(findRunnerToken(config, { url: 'https://gitlab.example.com/', id: 42 })).toEqual({
      index: 0,
      name: 'build-1',
      url: 'https://gitlab.example.com/',
      id: 42,
      token: 'glrt-rotated-token',
      tokenObtainedAt: '2025-06-01T12:00:00.123456789Z',
      tokenExpiresAt: '2025-09-01T12:00:00Z',
    });
    expect(findRunnerToken(config, { url: 'https://gitlab.example.com/', id: 43 })).toBeUndefined();
    expect(
      listRunnerTokens(model(`${rotated}\n[[runners]]\n  url = "https://gitlab.example.com/"\n  id = 42\n`))
        .length,
    ).toBe(2);
    // Two entries for one runner: the token cannot be attributed.
    expect(
      findRunnerToken(model(`${rotated}\n[[runners]]\n  url = "https://gitlab.example.com/"\n  id = 42\n`), {
        url: 'https://gitlab.example.com/',
        id: 42,
      }),
    ).toBeUndefined();
  });
});

describe('normalizeRunnerConfig', () => {
  it('gives the same model for configs gitlab-runner treats alike', () => {
    expect(normalizeRunnerConfig(model(desired))).toEqual(normalizeRunnerConfig(model(savedByRunner)));
  });

  it('writes canonical values', () => {
    expect(
      normalizeRunnerConfig(
        model(`connection_max_age = 1200000000000
[[runners]]
  token_obtained_at = 2025-06-01T14:00:00+02:00
  [runners.docker]
    pull_policy = "never"
`),
      ),
    ).toEqual({
      connection_max_age: '20m0s',
      runners: [{ token_obtained_at: '2025-06-01T12:00:00Z', docker: { pull_policy: ['never'] } }],
    });
  });
});
