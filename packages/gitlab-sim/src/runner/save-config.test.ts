import { readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffRunnerConfigs, parseRunnerConfig, type RunnerConfig } from '@paddock/runner-config';
import { tempDir } from '../test-support/files.js';
import { goTimeText, savedConfigText, writeConfigFile } from './save-config.js';

function parsed(text: string): RunnerConfig {
  const result = parseRunnerConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

describe('savedConfigText', () => {
  it('writes what gitlab-runner writes after loading a minimal file', () => {
    const text = savedConfigText(
      parsed(
        [
          '[[runners]]',
          'name = "shell-1"',
          'url = "http://gitlab.example.com/"',
          'token = "test-runner-token"',
          'token_obtained_at = 2025-06-01T12:00:00+02:00',
          'executor = "shell"',
          'shell = "pwsh"',
        ].join('\n'),
      ),
      {},
    );
    expect(text).toBe(
      [
        'concurrent = 1',
        'check_interval = 0',
        'connection_max_age = "15m0s"',
        'shutdown_timeout = 0',
        '',
        '[session_server]',
        '  session_timeout = 1800',
        '',
        '[[runners]]',
        '  name = "shell-1"',
        '  url = "http://gitlab.example.com/"',
        '  id = 0',
        '  token = "test-runner-token"',
        '  token_obtained_at = 2025-06-01T10:00:00Z',
        '  token_expires_at = 0001-01-01T00:00:00Z',
        '  executor = "shell"',
        '  shell = "pwsh"',
        '',
      ].join('\n'),
    );
  });

  it('expands $VARs in url and token, writes Go durations and drops unknown keys, and changes nothing else', () => {
    const original = parsed(
      [
        'concurrent = 4',
        'connection_max_age = 600000000000',
        'mystery = 1',
        '[[runners]]',
        'name = "r"',
        'url = "$GITLAB"',
        'token = "${TOKEN}"',
        'executor = "docker"',
        'unhealthy_interval = "90s"',
        '[runners.docker]',
        'image = "alpine"',
        '[runners.feature_flags]',
        'FF_TIMESTAMPS = true',
      ].join('\n'),
    );
    const text = savedConfigText(original, { GITLAB: 'https://gitlab.example.com', TOKEN: 'glrt-secret' });
    expect(text).toContain('  url = "https://gitlab.example.com"\n  id = 0\n  token = "glrt-secret"\n');
    expect(text).toContain('connection_max_age = "10m0s"\n');
    expect(text).toContain('  unhealthy_interval = "1m30s"\n');
    expect(text).not.toContain('mystery');
    expect(text).toContain('    privileged = false\n');
    expect(diffRunnerConfigs(original, parsed(text)).map((c) => c.path)).toEqual([
      'runners[0].url',
      'runners[0].token',
    ]);
  });
});

describe('goTimeText', () => {
  it('writes UTC with Go’s RFC3339Nano fraction', () => {
    expect(goTimeText(Date.parse('2025-06-01T12:00:00.120Z'))).toBe('2025-06-01T12:00:00.12Z');
    expect(goTimeText(Date.parse('2025-06-01T12:00:00.000Z'))).toBe('2025-06-01T12:00:00Z');
  });
});

describe('writeConfigFile', () => {
  it('creates the directory 0700 and a new file 0600, and leaves an existing file its mode', async () => {
    const dir = await tempDir();
    const path = join(dir, 'etc', 'config.toml');
    await writeConfigFile(path, 'concurrent = 1\n');
    expect((await stat(join(dir, 'etc'))).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const existing = join(dir, 'existing.toml');
    await writeFile(existing, 'old');
    await chmod(existing, 0o644);
    await writeConfigFile(existing, 'concurrent = 2\n');
    expect((await stat(existing)).mode & 0o777).toBe(0o644);
    expect(await readFile(existing, 'utf8')).toBe('concurrent = 2\n');
  });
});
