import fc from 'fast-check';
import { parse as smolParse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import {
  parseRunnerConfig,
  renderRunnerConfig,
  RenderError,
  runnerConfigSchema,
  tomlValueFrom,
  type RunnerConfig,
} from './index.js';
import { tomlString } from './render.js';
import { recordFrom } from './toml-value.js';
import { nastyString, runnerConfig } from './test-support/arbitraries.js';
import { fullModel, leafPaths, plainShape } from './test-support/full-model.js';

/** A deep copy with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === 'object') {
    return recordFrom(
      Object.entries(value)
        .reverse()
        .map(([k, v]): [string, unknown] => [k, reversed(v)]),
    );
  }
  return value;
}

function roundTrip(model: RunnerConfig): RunnerConfig {
  const parsed = parseRunnerConfig(renderRunnerConfig(model));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

describe('renderRunnerConfig injection safety', () => {
  it('keeps any string in every string slot a value of its own key', () => {
    fc.assert(
      fc.property(nastyString, (s) => {
        const model = fullModel(s);
        const text = renderRunnerConfig(model);
        // Exactly the keys the model has, as a plain TOML reader sees them.
        const read = smolParse(text);
        expect(leafPaths(read)).toEqual(leafPaths(plainShape(runnerConfigSchema, model)));
        // And back into exactly the same model.
        expect(roundTrip(model)).toEqual(model);
      }),
      { numRuns: 200 },
    );
    // Each run renders and parses every table of the schema, so this one needs more than the default 5 s.
  }, 30_000);

  it('escapes quotes, backslashes and control characters, and leaves other text as UTF-8', () => {
    expect(tomlString('a"b\\c\nd\te\u0000f\u007fg\u001bh é😀')).toBe(
      '"a\\"b\\\\c\\nd\\te\\u0000f\\u007fg\\u001bh é😀"',
    );
    const text = renderRunnerConfig({
      runners: [{ name: 'x"\n[[runners]]\ntoken = "stolen"', token: 'a]]#b' }],
    });
    expect(text).toBe(
      '[[runners]]\n  name = "x\\"\\n[[runners]]\\ntoken = \\"stolen\\""\n  token = "a]]#b"\n',
    );
  });

  it('quotes keys that are not bare', () => {
    const text = renderRunnerConfig({
      labels: { 'a.b': 'x', 'with space': 'y', plain_key: 'z', '': 'e' },
    });
    expect(text).toBe('[labels]\n  "" = "e"\n  "a.b" = "x"\n  plain_key = "z"\n  "with space" = "y"\n');
  });

  it('refuses values whose run-time type does not match their key', () => {
    const bad =
      (model: unknown): (() => string) =>
      () =>
        renderRunnerConfig(model as RunnerConfig);
    expect(bad({ concurrent: '1\n[[runners]]' })).toThrow(RenderError);
    expect(bad({ runners: [{ token_obtained_at: '2025-01-01T00:00:00Z\nconcurrent = 9' }] })).toThrow(
      /runners\[0\]\.token_obtained_at/,
    );
    expect(bad({ runners: [{ docker: { sysctls: { a: 1 } } }] })).toThrow(RenderError);
    expect(bad({ bogus: 1 })).toThrow(/unknown keys belong in extra/);
    expect(bad({ extra: { Concurrent: { type: 'integer', value: 1 } } })).toThrow(/collides/);
    expect(bad({ extra: { x: { type: 'integer', value: 1.5 } } })).toThrow(RenderError);
    expect(bad({ runners: [{ name: 'half \ud800 surrogate' }] })).toThrow(/surrogate/);
  });
});

describe('renderRunnerConfig round trip', () => {
  it('parse(render(m)) equals m for generated models', () => {
    fc.assert(
      fc.property(runnerConfig, (model) => {
        expect(roundTrip(model)).toEqual(model);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: same model, same bytes, whatever the key order', () => {
    fc.assert(
      fc.property(runnerConfig, (model) => {
        const text = renderRunnerConfig(model);
        expect(renderRunnerConfig(model)).toBe(text);
        expect(renderRunnerConfig(reversed(model) as RunnerConfig)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('unknown keys', () => {
  it('survive import → render → import unchanged, after the known keys of their table', () => {
    const text = `future_flag = "on"
concurrent = 2
[experimental_section]
  knob = 1.0
  when = 2025-01-01T00:00:00.000000001Z
[[runners]]
  name = "a"
  brand_new = [1, "two", { three = 3 }]
  executor = "docker"
  [runners.docker]
    image = "alpine"
    new_docker_option = true
    [[runners.docker.new_list]]
      x = 1
    [[runners.docker.new_list]]
      x = 2
  [runners.new_executor_section]
    y = "z"
`;
    const first = parseRunnerConfig(text);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const rendered = renderRunnerConfig(first.config);
    expect(rendered).toBe(`concurrent = 2
future_flag = "on"

[[runners]]
  name = "a"
  executor = "docker"
  brand_new = [1, "two", { three = 3 }]
  [runners.docker]
    image = "alpine"
    new_docker_option = true

    [[runners.docker.new_list]]
      x = 1

    [[runners.docker.new_list]]
      x = 2
  [runners.new_executor_section]
    y = "z"

[experimental_section]
  knob = 1.0
  when = 2025-01-01T00:00:00.000000001Z
`);
    const second = parseRunnerConfig(rendered);
    expect(second.ok && second.config).toEqual(first.config);
  });
});

describe('renderRunnerConfig layout', () => {
  it('writes gitlab-runner key order, indentation and blank lines', () => {
    const text = renderRunnerConfig({
      shutdown_timeout: 30,
      runners: [
        {
          docker: { image: 'alpine', tls_verify: false },
          executor: 'docker',
          name: 'r1',
          cache: { s3: {}, Type: 's3' },
        },
      ],
      session_server: { session_timeout: 1800 },
      concurrent: 2,
    });
    expect(text).toBe(
      [
        'concurrent = 2',
        'shutdown_timeout = 30',
        '',
        '[session_server]',
        '  session_timeout = 1800',
        '',
        '[[runners]]',
        '  name = "r1"',
        '  executor = "docker"',
        '  [runners.cache]',
        '    Type = "s3"',
        '    [runners.cache.s3]',
        '  [runners.docker]',
        '    tls_verify = false',
        '    image = "alpine"',
        '',
      ].join('\n'),
    );
  });

  it('writes floats so that they read back as floats', () => {
    const text = renderRunnerConfig({
      runners: [
        { autoscaler: { policy: [{ scale_factor: 1 }, { scale_factor: -0 }, { scale_factor: 1e300 }] } },
      ],
    });
    expect(text).toContain('scale_factor = 1.0\n');
    expect(text).toContain('scale_factor = -0.0\n');
    expect(text).toContain('scale_factor = 1e+300\n');
  });

  it('renders free-form plugin_config built from plain values', () => {
    const text = renderRunnerConfig({
      runners: [
        {
          executor: 'docker-autoscaler',
          autoscaler: {
            plugin: 'aws',
            plugin_config: {
              name: tomlValueFrom('asg'),
              ratio: tomlValueFrom(0.5),
              count: tomlValueFrom(3),
              tags: tomlValueFrom({ team: 'ci', zones: ['a', 'b'] }),
            },
          },
        },
      ],
    });
    expect(text).toBe(
      [
        '[[runners]]',
        '  executor = "docker-autoscaler"',
        '  [runners.autoscaler]',
        '    plugin = "aws"',
        '    [runners.autoscaler.plugin_config]',
        '      count = 3',
        '      name = "asg"',
        '      ratio = 0.5',
        '      [runners.autoscaler.plugin_config.tags]',
        '        team = "ci"',
        '        zones = ["a", "b"]',
        '',
      ].join('\n'),
    );
  });

  it('renders an empty model as an empty file', () => {
    expect(renderRunnerConfig({})).toBe('');
  });
});
