import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineIdFile, tempDir } from '../test-support/files.js';
import { loadSystemId, SYSTEM_ID_FILE, SYSTEM_ID_PATTERN, systemIdFromMachineId } from './system-id.js';

describe('system_id', () => {
  it('derives s_ ids from the machine-id with HMAC-SHA256 (the fact sheet test vector)', () => {
    expect(systemIdFromMachineId('0123456789abcdef0123456789abcdef')).toBe('s_ee3af03959fe');
  });

  it('creates .runner_system_id beside config.toml: mode 0600, no newline, from the first machine-id file', async () => {
    const dir = await tempDir();
    const machineId = await machineIdFile(dir);
    const result = await loadSystemId(join(dir, 'etc', 'config.toml'), {
      machineIdPaths: [join(dir, 'absent'), machineId],
    });
    expect(result).toEqual({ systemId: 's_ee3af03959fe', source: 'machine-id' });
    const file = join(dir, 'etc', SYSTEM_ID_FILE);
    expect(await readFile(file, 'utf8')).toBe('s_ee3af03959fe');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'etc'))).mode & 0o777).toBe(0o700);
  });

  it('reads a valid id, trimmed, and leaves the file alone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, SYSTEM_ID_FILE), '  r_AbCdEf123456\n');
    const result = await loadSystemId(join(dir, 'config.toml'), {
      machineIdPaths: [await machineIdFile(dir)],
    });
    expect(result).toEqual({ systemId: 'r_AbCdEf123456', source: 'file' });
    expect(await readFile(join(dir, SYSTEM_ID_FILE), 'utf8')).toBe('  r_AbCdEf123456\n');
  });

  it.each(['s_short', 'x_abcdefabcdef', 's_abcdefabcdef0', 's_abc-efabcdef', '\ufeffs_abcdefabcdef'])(
    'overwrites invalid content %j with a generated id',
    async (content) => {
      const dir = await tempDir();
      await writeFile(join(dir, SYSTEM_ID_FILE), content);
      const result = await loadSystemId(join(dir, 'config.toml'), {
        machineIdPaths: [await machineIdFile(dir)],
      });
      expect(result.systemId).toBe('s_ee3af03959fe');
      expect(await readFile(join(dir, SYSTEM_ID_FILE), 'utf8')).toBe('s_ee3af03959fe');
    },
  );

  it('falls back to a random r_ id without a machine-id', async () => {
    const dir = await tempDir();
    const result = await loadSystemId(join(dir, 'config.toml'), { machineIdPaths: [join(dir, 'none')] });
    expect(result.source).toBe('random');
    expect(result.systemId).toMatch(/^r_[a-zA-Z0-9]{12}$/);
    expect(result.systemId).toMatch(SYSTEM_ID_PATTERN);
    expect(await readFile(join(dir, SYSTEM_ID_FILE), 'utf8')).toBe(result.systemId);
  });

  it('takes the first readable machine-id file even when it is empty (then random), like machineid', async () => {
    const dir = await tempDir();
    const empty = join(dir, 'dbus-machine-id');
    await writeFile(empty, '\n');
    const result = await loadSystemId(join(dir, 'config.toml'), {
      machineIdPaths: [empty, await machineIdFile(dir)],
    });
    expect(result.source).toBe('random');
    expect(result.systemId).toMatch(/^r_/);
  });

  it('fails when the state file exists but cannot be read', async () => {
    const dir = await tempDir();
    // A directory stands in for an unreadable file (tests may run as root, where mode 000 is still readable).
    await mkdir(join(dir, SYSTEM_ID_FILE));
    await expect(loadSystemId(join(dir, 'config.toml'))).rejects.toThrow(/loading system ID file/);
  });

  it('uses the new id and reports the error when it cannot be saved', async () => {
    const dir = await tempDir();
    // A link into a directory that does not exist: stat says "absent", the write fails, even as root.
    await symlink(join(dir, 'missing-dir', 'id'), join(dir, SYSTEM_ID_FILE));
    const result = await loadSystemId(join(dir, 'config.toml'), {
      machineIdPaths: [await machineIdFile(dir)],
    });
    expect(result.systemId).toBe('s_ee3af03959fe');
    expect(result.saveError?.message).toMatch(/ENOENT/);
  });
});
