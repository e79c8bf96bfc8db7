import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configToml } from '../test-support/config.js';
import { tempDir, writeWithMtime } from '../test-support/files.js';
import { ConfigLoadError, loadConfigFile } from './load-config.js';

async function load(text: string, env: Record<string, string> = {}) {
  const dir = await tempDir();
  const path = join(dir, 'config.toml');
  await writeWithMtime(path, text, 1_700_000_000);
  return loadConfigFile(path, env);
}

const runner = { name: 'r1', token: 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY' };

describe('loadConfigFile', () => {
  it('reads concurrent, limit, request_concurrency and the mtime in nanoseconds', async () => {
    const config = await load(
      configToml({ concurrent: 7, runners: [{ ...runner, limit: 3, requestConcurrency: 0 }] }),
    );
    expect(config.fromFile).toBe(true);
    expect(config.concurrent).toBe(7);
    expect(config.modTimeNs).toBe(1_700_000_000_000_000_000n);
    expect(config.runners).toHaveLength(1);
    expect(config.runners[0]).toMatchObject({
      name: 'r1',
      shortToken: 'pQ7vN2xK9',
      limit: 3,
      requestConcurrency: 1,
      adaptiveRequestConcurrency: true,
      executor: 'docker',
    });
  });

  it('keeps gitlab-runner defaults when keys are absent: concurrent 1', async () => {
    const config = await load('');
    expect(config.concurrent).toBe(1);
    expect(config.runners).toEqual([]);
  });

  it('treats a missing file as the defaults with a zero ModTime', async () => {
    const dir = await tempDir();
    const config = await loadConfigFile(join(dir, 'absent.toml'));
    expect(config).toMatchObject({ fromFile: false, concurrent: 1, runners: [], modTimeNs: 0n });
  });

  it('expands $VARIABLES in url and token', async () => {
    const config = await load(
      '[[runners]]\n  name = "x"\n  url = "https://$HOST"\n  token = "${TOKEN}"\n  executor = "shell"\n',
      { HOST: 'gitlab.local', TOKEN: 'glrt-abcdefghijklmn' },
    );
    expect(config.runners[0]).toMatchObject({ url: 'https://gitlab.local', token: 'glrt-abcdefghijklmn' });
    expect(config.runners[0]?.shortToken).toBe('abcdefghi');
  });

  it.each([
    ['TOML syntax', 'concurrent = = 2\n'],
    ['a wrong type', 'concurrent = "two"\n'],
    [
      'a Go duration time.ParseDuration rejects',
      configToml({ runners: [{ ...runner, extra: '  unhealthy_interval = "1h30min"' }] }),
    ],
    ['a label key gitlab-runner rejects', 'concurrent = 1\n[labels]\n  "a b" = "x"\n'],
  ])('refuses %s', async (_what, text) => {
    await expect(load(text)).rejects.toBeInstanceOf(ConfigLoadError);
  });

  it.each([
    ['concurrent = 0 (fatal later, not at load)', configToml({ concurrent: 0 })],
    ['an unknown key (only lint rejects it)', configToml({ runners: [{ ...runner, extra: '  limt = 3' }] })],
    [
      'an empty token (the runner is skipped when polling)',
      configToml({ runners: [{ ...runner, token: '' }] }),
    ],
    [
      'an unknown executor (the runner is marked unhealthy)',
      configToml({ runners: [{ ...runner, executor: 'podman' }] }),
    ],
    ['a shell outside the lint enum', configToml({ runners: [{ ...runner, extra: '  shell = "zsh"' }] })],
  ])('loads %s', async (_what, text) => {
    await expect(load(text)).resolves.toMatchObject({ fromFile: true });
  });

  it('loads an unknown log_level but flags it: gitlab-runner then fails the (re)load', async () => {
    const config = await load('log_level = "chatty"\nconcurrent = 3\n');
    expect(config.concurrent).toBe(3);
    expect(config.loggingError).toMatch(/log_level/);
  });

  it('lists the warnings gitlab-runner logs on load, one per line it writes', async () => {
    const config = await load(
      configToml({
        concurrent: 1,
        runners: [
          { name: 'a', token: '   ', requestConcurrency: 4 },
          { name: 'b', token: 'glrt-bbbbbbbbbbbbbb', requestConcurrency: 4 },
        ],
      }),
    );
    expect(config.warnings).toEqual([
      'runner a: empty token, skipped when polling for jobs',
      'CONFIGURATION: Long polling issues detected',
    ]);
  });

  it('honours FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = false', async () => {
    const config = await load(
      configToml({ runners: [{ ...runner, adaptive: false, requestConcurrency: 3 }] }),
    );
    expect(config.runners[0]).toMatchObject({ adaptiveRequestConcurrency: false, requestConcurrency: 3 });
  });
});
