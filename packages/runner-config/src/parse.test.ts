import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunnerConfig, renderRunnerConfig, validateRunnerConfig, type RunnerConfig } from './index.js';

const fixturesDir = join(import.meta.dirname, 'fixtures');
const fixtures = readdirSync(fixturesDir).filter((f) => f.endsWith('.toml'));

function parsed(text: string): { config: RunnerConfig; warnings: string[] } {
  const r = parseRunnerConfig(text);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return { config: r.config, warnings: r.warnings.map((p) => `${p.path}: ${p.message}`) };
}

function problems(text: string): string[] {
  const r = parseRunnerConfig(text);
  if (r.ok) throw new Error('expected the text to be refused');
  return r.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
}

describe('fixtures saved the way gitlab-runner saves config.toml', () => {
  it('has the five kinds of fixtures', () => {
    expect(fixtures.sort()).toEqual([
      'autoscaler.toml',
      'cache-s3.toml',
      'docker.toml',
      'kubernetes.toml',
      'shell-hooks.toml',
    ]);
  });

  it.each(fixtures)(
    '%s parses without warnings, validates without errors and renders back byte for byte',
    (name) => {
      const text = readFileSync(join(fixturesDir, name), 'utf8');
      const { config, warnings } = parsed(text);
      expect(warnings).toEqual([]);
      expect(validateRunnerConfig(config).filter((p) => p.severity === 'error')).toEqual([]);
      expect(renderRunnerConfig(config)).toBe(text);
    },
  );

  it('reads the typed values of the docker fixture', () => {
    const { config } = parsed(readFileSync(join(fixturesDir, 'docker.toml'), 'utf8'));
    const runner = config.runners?.[0];
    expect(config.concurrent).toBe(10);
    expect(config.connection_max_age).toBe('15m0s');
    expect(runner?.token_obtained_at).toBe('2025-06-01T12:00:00.123456789Z');
    expect(runner?.docker?.pull_policy).toEqual(['if-not-present']);
    expect(runner?.docker?.sysctls).toEqual({ 'net.ipv4.ip_forward': '1' });
    expect(runner?.docker?.services).toEqual([{ name: 'postgres:16', alias: 'db' }]);
    expect(runner?.feature_flags).toEqual({ FF_NETWORK_PER_BUILD: true, FF_TIMESTAMPS: true });
  });

  it('keeps the hook scripts of the shell fixture exactly', () => {
    const { config } = parsed(readFileSync(join(fixturesDir, 'shell-hooks.toml'), 'utf8'));
    const runner = config.runners?.[0];
    expect(runner?.pre_get_sources_script).toBe(
      'echo "fetching $CI_PROJECT_PATH"\ngit config --global http.sslVerify true',
    );
    expect(runner?.post_build_script).toBe('rm -rf ./tmp\t# tidy up ]] [runners] \\ done');
    expect(config.labels).toEqual({ env: 'prod', team: 'platform' });
  });

  it('reads the free-form plugin_config of the autoscaler fixture as TOML values', () => {
    const { config } = parsed(readFileSync(join(fixturesDir, 'autoscaler.toml'), 'utf8'));
    const autoscaler = config.runners?.[0]?.autoscaler;
    expect(autoscaler?.plugin_config).toEqual({
      name: { type: 'string', value: 'my-docker-asg' },
      profile: { type: 'string', value: 'default' },
      region: { type: 'string', value: 'eu-west-1' },
    });
    expect(autoscaler?.policy?.[1]).toMatchObject({
      idle_time: '30m0s',
      scale_factor: 0.5,
      timezone: 'Europe/Berlin',
    });
  });
});

describe('TOML 1.1, as BurntSushi v1.6 reads it', () => {
  it('accepts newlines, comments and a trailing comma in inline tables', () => {
    const { config } = parsed(`
[[runners]]
  executor = "docker"
  docker = {
    image = "alpine", # the default image
    sysctls = { "net.core.somaxconn" = "1024", },
  }
`);
    expect(config.runners?.[0]?.docker).toEqual({
      image: 'alpine',
      sysctls: { 'net.core.somaxconn': '1024' },
    });
  });

  it('accepts the \\e and \\xHH escapes', () => {
    const { config } = parsed('[[runners]]\n  pre_build_script = "\\e[1mbold\\e[0m \\x41\\x7e"\n');
    expect(config.runners?.[0]?.pre_build_script).toBe('\u001b[1mbold\u001b[0m A~');
  });

  it('accepts datetimes without seconds and writes the seconds out', () => {
    const { config } = parsed(
      '[[runners]]\n  token_obtained_at = 2025-06-01T12:30Z\n  token_expires_at = 2025-09-01 08:00+02:00\n',
    );
    expect(config.runners?.[0]?.token_obtained_at).toBe('2025-06-01T12:30:00Z');
    expect(config.runners?.[0]?.token_expires_at).toBe('2025-09-01T08:00:00+02:00');
  });

  it('keeps nanoseconds of datetimes and normalises t, z and the space separator', () => {
    const { config } = parsed(
      '[[runners]]\n  token_obtained_at = 2025-06-01 12:00:00.123456789z\n  token_expires_at = 2025-06-01t12:00:00.5-07:00\n',
    );
    expect(config.runners?.[0]?.token_obtained_at).toBe('2025-06-01T12:00:00.123456789Z');
    expect(config.runners?.[0]?.token_expires_at).toBe('2025-06-01T12:00:00.5-07:00');
  });

  it('reads a quoted RFC 3339 string into a datetime key (time.Time is a TextUnmarshaler)', () => {
    const { config } = parsed('[[runners]]\n  token_expires_at = "2025-06-01T12:00:00Z"\n');
    expect(config.runners?.[0]?.token_expires_at).toBe('2025-06-01T12:00:00Z');
  });

  it('does not mistake date-like text in strings, comments, multi-line strings or keys for datetimes', () => {
    const { config } = parsed(`# 2025-01-01T00:00:00Z in a comment
[[runners]]
  name = "2025-01-01T00:00:00Z"
  pre_build_script = """
x = 1979-05-27T07:32:00Z
"quoted" ""\\"" ends here"""
  post_build_script = '''a ''2025-01-01 10:00'''''
  token_obtained_at = 1979-05-27T07:32:00.999999999Z # trailing comment 12:30
  2025-01-01 = 1979-05-27
  [runners.labels]
    "12:30" = 'x'
`);
    const runner = config.runners?.[0];
    expect(runner?.name).toBe('2025-01-01T00:00:00Z');
    expect(runner?.pre_build_script).toBe('x = 1979-05-27T07:32:00Z\n"quoted" """" ends here');
    expect(runner?.post_build_script).toBe("a ''2025-01-01 10:00''");
    expect(runner?.token_obtained_at).toBe('1979-05-27T07:32:00.999999999Z');
    expect(runner?.extra).toEqual({ '2025-01-01': { type: 'datetime', value: '1979-05-27' } });
    expect(runner?.labels).toEqual({ '12:30': 'x' });
  });

  it('keeps datetimes inside arrays and inline tables of unknown keys', () => {
    const { config } = parsed('when = [2025-01-01T00:00:00.000000001Z, { at = 07:32 }, 1979-05-27]\n');
    expect(config.extra?.when).toEqual({
      type: 'array',
      value: [
        { type: 'datetime', value: '2025-01-01T00:00:00.000000001Z' },
        { type: 'table', value: { at: { type: 'datetime', value: '07:32:00' } } },
        { type: 'datetime', value: '1979-05-27' },
      ],
    });
  });

  it('skips a UTF-8 byte order mark, as BurntSushi does', () => {
    expect(parsed('\uFEFFconcurrent = 3\n').config.concurrent).toBe(3);
  });

  it('matches keys case-insensitively like BurntSushi, with a warning', () => {
    const { config, warnings } = parsed(`Concurrent = 3
[[runners]]
  [runners.machine]
    idlecount = 2
    MachineDriver = "google"
  [runners.cache.S3]
    bucketname = "b"
`);
    expect(config.concurrent).toBe(3);
    expect(config.runners?.[0]?.machine).toEqual({ IdleCount: 2, MachineDriver: 'google' });
    expect(config.runners?.[0]?.cache?.s3).toEqual({ BucketName: 'b' });
    expect(warnings).toEqual([
      'concurrent: key "Concurrent" is read as "concurrent"',
      'runners[0].machine.IdleCount: key "idlecount" is read as "IdleCount"',
      'runners[0].cache.s3: key "S3" is read as "s3"',
      'runners[0].cache.s3.BucketName: key "bucketname" is read as "BucketName"',
    ]);
  });

  it('reads integers into floats and keeps pull_policy as written', () => {
    const { config } = parsed(`[[runners]]
  [runners.docker]
    pull_policy = "always"
  [runners.kubernetes]
    pull_policy = ["always", "if-not-present"]
  [[runners.autoscaler.policy]]
    scale_factor = 2
`);
    const runner = config.runners?.[0];
    expect(runner?.docker?.pull_policy).toBe('always');
    expect(runner?.kubernetes?.pull_policy).toEqual(['always', 'if-not-present']);
    expect(runner?.autoscaler?.policy?.[0]?.scale_factor).toBe(2);
  });

  it('reads a duration from a string or from an integer of nanoseconds', () => {
    const { config } = parsed(
      'connection_max_age = 900000000000\n[[runners]]\n  unhealthy_interval = "1h30m"\n',
    );
    expect(config.connection_max_age).toBe(900000000000);
    expect(config.runners?.[0]?.unhealthy_interval).toBe('1h30m');
  });

  it('keeps unknown keys of every table in extra, with their TOML types', () => {
    const { config } = parsed(`future_global = 1.0
[[runners]]
  executor = "shell"
  new_knob = 1
  [runners.docker]
    image = "x"
    shiny = { deep = [true, "s"] }
  [runners.not_a_section]
    a = 2025-01-01T00:00:00Z
`);
    expect(config.extra).toEqual({ future_global: { type: 'float', value: 1 } });
    expect(config.runners?.[0]?.extra).toEqual({
      new_knob: { type: 'integer', value: 1 },
      not_a_section: { type: 'table', value: { a: { type: 'datetime', value: '2025-01-01T00:00:00Z' } } },
    });
    expect(config.runners?.[0]?.docker?.extra).toEqual({
      shiny: {
        type: 'table',
        value: {
          deep: {
            type: 'array',
            value: [
              { type: 'boolean', value: true },
              { type: 'string', value: 's' },
            ],
          },
        },
      },
    });
  });

  it('keeps keys named like Object.prototype members as data', () => {
    const { config } = parsed('"__proto__" = 1\n[labels]\n  constructor = "x"\n  "__proto__" = "y"\n');
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(Object.keys(config.extra ?? {})).toEqual(['__proto__']);
    expect(Object.keys(config.labels ?? {})).toEqual(['constructor', '__proto__']);
    expect(renderRunnerConfig(config)).toBe(
      '__proto__ = 1\n\n[labels]\n  __proto__ = "y"\n  constructor = "x"\n',
    );
  });

  it('ignores (with a warning) a non-table value for a map key, as BurntSushi unifyMap does', () => {
    const r = parseRunnerConfig('labels = "x"\n[[runners]]\n  feature_flags = 1\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toEqual({ runners: [{}] });
    expect(r.warnings.map((w) => w.path)).toEqual(['labels', 'runners[0].feature_flags']);
  });

  it('reads nfs volumes with their own rules: exact keys, wrong types ignored', () => {
    const r = parseRunnerConfig(`[[runners]]
  [[runners.kubernetes.volumes.nfs]]
    name = "n"
    mount_path = "/m"
    server = "s"
    path = "/p"
    read_only = "yes"
    Name = "other"
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.runners?.[0]?.kubernetes?.volumes?.nfs).toEqual([
      {
        name: 'n',
        mount_path: '/m',
        server: 's',
        path: '/p',
        extra: { Name: { type: 'string', value: 'other' } },
      },
    ]);
    expect(r.warnings.map((w) => w.path)).toEqual(['runners[0].kubernetes.volumes.nfs[0].read_only']);
  });
});

describe('what gitlab-runner refuses to decode', () => {
  it('reports TOML syntax errors with line and column', () => {
    expect(problems('concurrent = 1\n[[runners]\n')).toEqual([
      expect.stringMatching(/^: TOML syntax error at line 2, column \d+: /),
    ]);
    expect(problems('a = 1\na = 2\n')[0]).toMatch(/^: TOML syntax error at line 2/);
  });

  it('reports an invalid datetime at its position', () => {
    expect(problems('[[runners]]\n  token_expires_at = 2025-02-30T00:00:00Z\n')).toEqual([
      ': TOML syntax error at line 2, column 22: invalid datetime 2025-02-30T00:00:00Z',
    ]);
    expect(problems('x = 2025-01-01T24:00:00Z')[0]).toContain('invalid datetime');
  });

  it('reports type mismatches with exact paths', () => {
    expect(
      problems(`concurrent = "4"
check_interval = 1.5
[session_server]
  session_timeout = true
[[runners]]
  limit = 2
[[runners]]
  name = "ok"
[[runners]]
  limit = "10"
  environment = ["A=1", 2]
  token_obtained_at = 12
  [runners.docker]
    pull_policy = ["always", 1]
    privileged = "yes"
    services = { name = "x" }
  [runners.feature_flags]
    FF_TIMESTAMPS = "true"
  [runners.autoscaler]
    update_interval = 1.5
`),
    ).toEqual([
      'concurrent: expected an integer, found a string',
      'check_interval: expected an integer, found a float',
      'session_server.session_timeout: expected an integer, found a boolean',
      'runners[2].limit: expected an integer, found a string',
      'runners[2].environment[1]: expected a string, found an integer',
      'runners[2].token_obtained_at: expected a datetime, found an integer',
      'runners[2].docker.pull_policy[1]: expected a string, found an integer',
      'runners[2].docker.privileged: expected a boolean, found a string',
      'runners[2].docker.services: expected an array of tables, found a table',
      'runners[2].feature_flags.FF_TIMESTAMPS: expected a boolean, found a string',
      'runners[2].autoscaler.update_interval: expected a Go duration string or an integer of nanoseconds, found a float',
    ]);
  });

  it('refuses [runners] as a table and a section given a plain value', () => {
    expect(problems('[runners]\n  name = "x"\n')).toEqual([
      'runners: expected an array of tables, found a table',
    ]);
    expect(problems('[[runners]]\n  docker = "alpine"\n')).toEqual([
      'runners[0].docker: expected a table, found a string',
    ]);
  });

  it('refuses a string that is not RFC 3339 in a datetime key', () => {
    expect(problems('[[runners]]\n  token_expires_at = "tomorrow"\n')).toEqual([
      'runners[0].token_expires_at: "tomorrow" is not an RFC 3339 datetime',
    ]);
  });

  it('refuses two spellings of one key, because gitlab-runner would pick one at random', () => {
    expect(problems('concurrent = 1\nCONCURRENT = 2\n')).toEqual([
      'concurrent: "concurrent" and "CONCURRENT" both set this key',
    ]);
  });

  it('refuses integers Paddock cannot hold exactly', () => {
    expect(problems('[[runners]]\n  id = 9007199254740993\n')).toEqual([
      'runners[0].id: integer 9007199254740993 is outside the range Paddock represents exactly (±2^53-1)',
    ]);
  });
});
