import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, DEFAULT_STATE_DIR, parseArgs, UsageError } from './args.js';

describe('command line', () => {
  it('parses enroll with defaults', () => {
    expect(parseArgs(['enroll', '--server', 'https://paddock.example/', '--token', 'tok'])).toEqual({
      command: 'enroll',
      server: 'https://paddock.example',
      token: 'tok',
      stateDir: DEFAULT_STATE_DIR,
      configPath: DEFAULT_CONFIG_PATH,
      force: false,
    });
  });

  it('parses run with --flag=value and the state dir from the environment', () => {
    expect(
      parseArgs(
        ['run', '--config=/srv/runner/config.toml', '--runner-metrics', 'http://127.0.0.1:9999/metrics'],
        {
          stateDir: '/srv/state',
        },
      ),
    ).toEqual({
      command: 'run',
      configPath: '/srv/runner/config.toml',
      stateDir: '/srv/state',
      runnerMetrics: 'http://127.0.0.1:9999/metrics',
    });
    expect(parseArgs(['run', '--config', 'c', '--state-dir', '/x'], { stateDir: '/env' })).toMatchObject({
      stateDir: '/x',
      runnerMetrics: null,
    });
  });

  it('takes the enrollment token from the environment when not on the command line', () => {
    expect(
      parseArgs(['enroll', '--server', 'http://p', '--force'], { enrollToken: 'env-tok' }),
    ).toMatchObject({
      token: 'env-tok',
      force: true,
    });
  });

  it('answers help and version', () => {
    expect(parseArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseArgs(['run', '--help'])).toEqual({ command: 'help' });
    expect(parseArgs(['--version'])).toEqual({ command: 'version' });
  });

  it.each([
    [[], /missing command/],
    [['start'], /unknown command "start"/],
    [['--verbose'], /unknown flag "--verbose"/],
    [['run'], /run needs --config/],
    [['run', '--config'], /--config needs a value/],
    [['run', '--config', '--state-dir', '/x'], /--config needs a value/],
    [['run', '--config', 'a', '--config', 'b'], /given twice/],
    [['run', '--config', 'a', '--server', 'x'], /unknown flag "--server" for run/],
    [['run', '--config', 'a', 'extra'], /unexpected argument "extra"/],
    [['run', '--config', ''], /--config must not be empty/],
    [['run', '--config', 'a', '--runner-metrics', 'localhost:9252'], /--runner-metrics/],
    [['run', '--config', 'a', '--runner-metrics', 'ftp://x/metrics'], /http/],
    [['enroll', '--token', 't'], /needs --server/],
    [['enroll', '--server', 'https://p'], /needs --token/],
    [['enroll', '--server', 'paddock.example', '--token', 't'], /--server: .*http/],
    [['enroll', '--server', 'ftp://p', '--token', 't'], /http:\/\/ or https:\/\//],
    [['enroll', '--server', 'https://u:p@p', '--token', 't'], /credentials/],
    [['enroll', '--server', 'https://p', '--token', 't', '--force=yes'], /takes no value/],
    [['--help', 'extra'], /unexpected argument/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
