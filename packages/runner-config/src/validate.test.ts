import { describe, expect, it } from 'vitest';
import { parseRunnerConfig, validateRunnerConfig, type RunnerConfig } from './index.js';

function model(text: string): RunnerConfig {
  const r = parseRunnerConfig(text);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r.config;
}

/** `path: message` of the errors only. */
function errors(config: RunnerConfig): string[] {
  return validateRunnerConfig(config)
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.path}: ${p.message}`);
}

function warnings(config: RunnerConfig): string[] {
  return validateRunnerConfig(config)
    .filter((p) => p.severity === 'warning')
    .map((p) => p.path);
}

const runner = (extra = ''): string => `concurrent = 4
[[runners]]
  name = "r"
  url = "https://gitlab.example.com/"
  token = "glrt-abc"
  executor = "shell"
  request_concurrency = 2
${extra}
`;

describe('a valid config', () => {
  it('has no problems at all', () => {
    expect(validateRunnerConfig(model(runner()))).toEqual([]);
  });
});

describe('refused at load (common/config.go, BurntSushi decode)', () => {
  it('refuses durations time.ParseDuration rejects, including the forms the docs show', () => {
    expect(
      errors(
        model(`connection_max_age = "15 m"
[[runners]]
  name = "r"
  url = "u"
  token = "t"
  executor = "shell"
  unhealthy_interval = "1h30min"
  [runners.autoscaler]
    update_interval = "3600 s"
    [[runners.autoscaler.policy]]
      idle_time = "1d"
`),
      ),
    ).toEqual([
      'connection_max_age: unknown unit " m" in Go duration "15 m" (use ns, us, ms, s, m, h); gitlab-runner refuses to load the file',
      'runners[0].unhealthy_interval: unknown unit "min" in Go duration "1h30min" (use ns, us, ms, s, m, h); gitlab-runner refuses to load the file',
      'runners[0].autoscaler.update_interval: unknown unit " s" in Go duration "3600 s" (use ns, us, ms, s, m, h); gitlab-runner refuses to load the file',
      'runners[0].autoscaler.policy[0].idle_time: unknown unit "d" in Go duration "1d" (use ns, us, ms, s, m, h); gitlab-runner refuses to load the file',
    ]);
  });

  it('applies the label patterns of common/labels.go to global and runner labels', () => {
    expect(
      errors(
        model(`[labels]
  ok_key = "fine"
  ab = "too-short-key"
[[runners]]
  name = "r"
  url = "u"
  token = "t"
  executor = "shell"
  [runners.labels]
    "has space" = "x"
    good = "bad value"
    fine = ""
`),
      ),
    ).toEqual([
      'labels.ab: label key does not match ^[a-zA-Z0-9_][a-zA-Z0-9._-]{2,64}$',
      'runners[0].labels["has space"]: label key does not match ^[a-zA-Z0-9_][a-zA-Z0-9._-]{2,64}$',
      'runners[0].labels.good: label value does not match ^[a-zA-Z0-9._-]{1,256}$',
      'runners[0].labels.fine: label value does not match ^[a-zA-Z0-9._-]{1,256}$',
    ]);
  });

  it('counts global and runner labels together against the limit of 32', () => {
    const global = Array.from({ length: 20 }, (_, i) => `  g${i}xx = "v"`).join('\n');
    const own = Array.from({ length: 13 }, (_, i) => `    r${i}xx = "v"`).join('\n');
    const config = model(
      `[labels]\n${global}\n${runner(`  [runners.labels]\n${own}`).replace('concurrent = 4\n', '')}`,
    );
    expect(errors(config)).toEqual([
      'runners[0].labels: 33 labels with the global ones; gitlab-runner allows 32',
    ]);
  });

  it('needs %s in MachineOptionsWithName', () => {
    const config = model(
      runner('  [runners.machine]\n    MachineOptionsWithName = ["name=%s", "no-placeholder"]').replace(
        'executor = "shell"',
        'executor = "docker+machine"',
      ),
    );
    expect(errors(config)).toEqual([
      'runners[0].machine.MachineOptionsWithName[1]: must contain the %s placeholder',
    ]);
  });

  it('needs name, mount_path, server and path in an nfs volume', () => {
    const config = model(runner('  [[runners.kubernetes.volumes.nfs]]\n    name = "n"\n    server = "s"'));
    expect(errors(config)).toEqual([
      'runners[0].kubernetes.volumes.nfs[0]: nfs volume: missing required fields: mount_path, path',
    ]);
  });

  it('checks the types of a model that did not come from TOML', () => {
    const bad = {
      concurrent: '4',
      runners: [
        {
          url: 'u',
          token: 't',
          executor: 'shell',
          limit: 1.5,
          token_obtained_at: 'yesterday',
          docker: { pull_policy: 3, sysctls: { a: 1 } },
          bogus: true,
          extra: { x: { type: 'integer', value: 'one' } },
        },
      ],
    } as unknown as RunnerConfig;
    expect(errors(bad)).toEqual([
      'concurrent: expected an integer',
      'runners[0].x: expected an integer',
      'runners[0].x: unknown key: `gitlab-runner lint` rejects it (`gitlab-runner run` ignores it)',
      'runners[0].limit: expected an integer',
      'runners[0].token_obtained_at: expected TOML datetime text such as 2025-01-31T12:00:00Z',
      'runners[0].docker.pull_policy: expected a string or an array of strings',
      'runners[0].docker.sysctls.a: expected a string',
      'runners[0].bogus: not a key of RunnerConfig; keep unknown keys in extra',
    ]);
  });

  it('refuses strings that cannot be written as UTF-8', () => {
    expect(errors({ runners: [{ url: 'u', token: 't', executor: 'shell', name: 'a\udc00' }] })).toEqual([
      'runners[0].name: holds an unpaired UTF-16 surrogate, which cannot be written as UTF-8',
    ]);
  });
});

describe('refused by gitlab-runner lint (commands/lint.go, configfile/validation.go)', () => {
  it('reports unknown keys at their path', () => {
    const config = model(`concurent = 4
[[runners]]
  name = "r"
  url = "u"
  token = "t"
  executor = "shell"
  limt = 3
  [runners.docker]
    imag = "alpine"
`);
    expect(errors(config)).toEqual([
      'concurent: unknown key: `gitlab-runner lint` rejects it (`gitlab-runner run` ignores it)',
      'runners[0].limt: unknown key: `gitlab-runner lint` rejects it (`gitlab-runner run` ignores it)',
      'runners[0].docker.imag: unknown key: `gitlab-runner lint` rejects it (`gitlab-runner run` ignores it)',
    ]);
  });

  it('needs a url and a token (minLength 1)', () => {
    expect(errors(model('[[runners]]\n  executor = "shell"\n  url = ""\n'))).toEqual([
      'runners[0].url: url is empty (`gitlab-runner lint`: minLength 1)',
      'runners[0].token: token is empty (`gitlab-runner lint`: minLength 1)',
    ]);
  });

  it('takes only the shells of the jsonschema enum', () => {
    for (const shell of ['bash', 'sh', 'cmd', 'pwsh', 'powershell', '']) {
      expect(errors(model(runner(`  shell = "${shell}"`)))).toEqual([]);
    }
    expect(errors(model(runner('  shell = "zsh"')))).toEqual([
      'runners[0].shell: shell must be one of bash, sh, cmd, pwsh, powershell (`gitlab-runner lint`)',
    ]);
  });

  it('needs an autoscaler policy idle_time of at least 1s, or none', () => {
    const config = model(
      runner(`  [runners.autoscaler]
    [[runners.autoscaler.policy]]
      idle_time = "500ms"
    [[runners.autoscaler.policy]]
      idle_time = "0s"
    [[runners.autoscaler.policy]]
      idle_time = 1000000000
  [runners.kubernetes.autoscaler]
    [[runners.kubernetes.autoscaler.policy]]
      idle_time = 999`),
    );
    expect(errors(config)).toEqual([
      'runners[0].kubernetes.autoscaler.policy[0].idle_time: must be at least 1s (`gitlab-runner lint` rejects it)',
      'runners[0].autoscaler.policy[0].idle_time: must be at least 1s (`gitlab-runner lint` rejects it)',
    ]);
  });
});

describe('stops gitlab-runner at run time (commands/multi.go)', () => {
  it('refuses concurrent < 1, which is fatal even on reload', () => {
    expect(errors(model('concurrent = 0\n'))).toEqual([
      'concurrent: concurrent = 0: gitlab-runner exits (fatal) because no job could ever run',
    ]);
    expect(errors(model('concurrent = -3\n'))).toHaveLength(1);
    // Absent means 1 (common.NewConfig).
    expect(errors(model('check_interval = 3\n'))).toEqual([]);
  });

  it('knows the executors main.go registers', () => {
    for (const executor of [
      'shell',
      'docker',
      'docker-windows',
      'docker+machine',
      'docker-autoscaler',
      'instance',
      'kubernetes',
      'custom',
      'ssh',
      'parallels',
      'virtualbox',
    ]) {
      expect(errors(model(runner().replace('"shell"', `"${executor}"`)))).toEqual([]);
    }
    expect(errors(model(runner().replace('"shell"', '"podman"')))).toEqual([
      'runners[0].executor: gitlab-runner has no executor "podman" (shell, custom, instance, docker, docker-windows, ' +
        'docker-autoscaler, docker+machine, kubernetes, ssh, parallels, virtualbox); it marks the runner unhealthy ' +
        'and never runs its jobs',
    ]);
    expect(errors(model(runner().replace('executor = "shell"', '')))).toEqual([
      'runners[0].executor: no executor: gitlab-runner marks the runner unhealthy and never runs its jobs',
    ]);
  });

  it('refuses log levels logrus does not parse and unknown log formats', () => {
    expect(errors(model('log_level = "WARNING"\nlog_format = "json"\n'))).toEqual([]);
    expect(errors(model('log_level = "verbose"\nlog_format = "JSON"\n'))).toEqual([
      'log_level: unknown log level; gitlab-runner does not start (panic, fatal, error, warn, warning, info, debug, trace)',
      'log_format: unknown log format; gitlab-runner does not start (runner, text, json)',
    ]);
  });

  it('refuses pull policies and DNS policies every job would fail on', () => {
    const config = model(
      runner(`  [runners.docker]
    pull_policy = "sometimes"
    allowed_pull_policies = ["always", ""]
  [runners.kubernetes]
    pull_policy = ["", "never"]
    dns_policy = "cluster-last"`),
    );
    expect(errors(config)).toEqual([
      'runners[0].docker.pull_policy: unsupported pull policy "sometimes" (always, never, if-not-present); every job fails',
      'runners[0].docker.allowed_pull_policies[1]: unsupported pull policy "" (always, never, if-not-present); every job fails',
      'runners[0].kubernetes.dns_policy: unsupported DNS policy "cluster-last"',
    ]);
  });
});

describe('warnings (gitlab-runner runs, but logs or ignores something)', () => {
  it('gives the long polling warnings of checkConfigConcurrency', () => {
    const config = model(`concurrent = 1
[[runners]]
  url = "u"
  token = "t"
  executor = "shell"
  limit = 2
[[runners]]
  url = "u"
  token = "t2"
  executor = "shell"
  request_concurrency = 4
`);
    expect(errors(config)).toEqual([]);
    expect(warnings(config)).toEqual([
      'concurrent',
      'runners[0].request_concurrency',
      'runners[0].limit',
      'runners[1].request_concurrency',
    ]);
  });

  it('warns about an empty-looking token, a /ci URL, $VARIABLES and local datetimes', () => {
    const config = model(`[[runners]]
  url = "https://gitlab.example.com/ci/"
  token = "  "
  executor = "shell"
  request_concurrency = 2
  token_obtained_at = 2025-06-01T12:00:00
[[runners]]
  url = "\${CI_SERVER_URL}"
  token = "$RUNNER_TOKEN"
  executor = "shell"
  request_concurrency = 2
`);
    expect(errors(config)).toEqual([]);
    expect(warnings(config)).toEqual([
      'runners[0].token_obtained_at',
      'concurrent',
      'runners[0].token',
      'runners[0].url',
      // Above the default concurrent of 1 (register's warning).
      'runners[0].request_concurrency',
      'runners[1].url',
      'runners[1].token',
      'runners[1].request_concurrency',
    ]);
  });

  it('warns about unknown feature flags and slot cgroup templates without ${slot}', () => {
    const config = model(
      runner(`  use_slot_cgroups = true
  slot_cgroup_template = "runner/fixed"
  [runners.feature_flags]
    FF_TIMESTAMPS = false
    FF_NOT_A_FLAG = true`),
    );
    expect(errors(config)).toEqual([]);
    expect(warnings(config)).toEqual([
      'runners[0].slot_cgroup_template',
      'runners[0].feature_flags.FF_NOT_A_FLAG',
    ]);
  });

  it('only warns about unknown keys of an nfs volume, which gitlab-runner reads by hand', () => {
    const config = model(
      runner(`  [[runners.kubernetes.volumes.nfs]]
    name = "n"
    mount_path = "/m"
    server = "s"
    path = "/p"
    extra_option = true`),
    );
    expect(errors(config)).toEqual([]);
    expect(warnings(config)).toEqual(['runners[0].kubernetes.volumes.nfs[0].extra_option']);
  });
});
