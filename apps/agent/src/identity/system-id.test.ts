import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errnoError, faultyFs } from '../../test/support/faulty-fs.js';
import { memoryLogger } from '../../test/support/memory-logger.js';
import {
  loadOrCreateSystemId,
  SystemIdError,
  systemIdFromMachineId,
  SYSTEM_ID_PATTERN,
} from './system-id.js';

let dir: string;
let configPath: string;
let machineIdPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-sysid-'));
  configPath = join(dir, 'gitlab-runner', 'config.toml');
  machineIdPath = join(dir, 'machine-id');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('system_id', () => {
  it('derives s_ ids from the machine-id like gitlab-runner (test vector)', () => {
    expect(systemIdFromMachineId('0123456789abcdef0123456789abcdef')).toBe('s_ee3af03959fe');
  });

  it('generates from the first readable machine-id file, trimmed, and saves it without a newline, mode 0600', async () => {
    await writeFile(machineIdPath, '0123456789abcdef0123456789abcdef\n');
    const result = await loadOrCreateSystemId({
      configPath,
      machineIdPaths: [join(dir, 'absent'), machineIdPath],
    });
    expect(result).toMatchObject({ systemId: 's_ee3af03959fe', source: 'generated' });
    const path = join(dir, 'gitlab-runner', '.runner_system_id');
    expect(await readFile(path, 'utf8')).toBe('s_ee3af03959fe');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'gitlab-runner'))).mode & 0o777).toBe(0o700);
  });

  it('reads an existing valid id, trimming whitespace', async () => {
    await mkdir(join(dir, 'gitlab-runner'));
    await writeFile(join(dir, 'gitlab-runner', '.runner_system_id'), '  r_AbCdEf012345\n');
    const result = await loadOrCreateSystemId({ configPath, machineIdPaths: [machineIdPath] });
    expect(result).toMatchObject({ systemId: 'r_AbCdEf012345', source: 'file' });
  });

  it.each(['s_short', 'x_0123456789ab', 's_0123456789ab!', 's_0123456789abc', ''])(
    'replaces invalid content %j',
    async (content) => {
      await mkdir(join(dir, 'gitlab-runner'));
      const path = join(dir, 'gitlab-runner', '.runner_system_id');
      await writeFile(path, content);
      await writeFile(machineIdPath, '0123456789abcdef0123456789abcdef');
      const result = await loadOrCreateSystemId({ configPath, machineIdPaths: [machineIdPath] });
      expect(result.systemId).toBe('s_ee3af03959fe');
      expect(await readFile(path, 'utf8')).toBe('s_ee3af03959fe');
    },
  );

  it('falls back to r_ + 12 random alphanumerics without a machine-id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await rm(join(dir, 'gitlab-runner'), { recursive: true, force: true });
      const { systemId } = await loadOrCreateSystemId({ configPath, machineIdPaths: [join(dir, 'none')] });
      expect(systemId).toMatch(/^r_[0-9a-zA-Z]{12}$/);
      expect(systemId).toMatch(SYSTEM_ID_PATTERN);
      ids.add(systemId);
    }
    expect(ids.size).toBe(20);
  });

  it('uses an empty machine-id file as "no machine-id" (random id)', async () => {
    await writeFile(machineIdPath, '\n');
    const { systemId } = await loadOrCreateSystemId({ configPath, machineIdPaths: [machineIdPath] });
    expect(systemId).toMatch(/^r_/);
  });

  it('draws every random character from the injected source', async () => {
    const { systemId } = await loadOrCreateSystemId({
      configPath,
      machineIdPaths: [],
      randomInt: (max) => max - 1,
    });
    expect(systemId).toBe('r_999999999999');
  });

  it('refuses to start when the file exists but cannot be read (a directory in its place)', async () => {
    await mkdir(join(dir, 'gitlab-runner', '.runner_system_id'), { recursive: true });
    await expect(loadOrCreateSystemId({ configPath, machineIdPaths: [] })).rejects.toThrow(SystemIdError);
    await expect(loadOrCreateSystemId({ configPath, machineIdPaths: [] })).rejects.toThrow(/EISDIR/);
  });

  it('refuses to start when reading fails with EACCES (mode 000 for a non-root gitlab-runner)', async () => {
    const fs = faultyFs();
    fs.rule = (c) =>
      c.op === 'readFile' && c.path.endsWith('.runner_system_id') ? errnoError('EACCES', 'open') : null;
    await expect(loadOrCreateSystemId({ configPath, fs, machineIdPaths: [] })).rejects.toThrow(
      /cannot read .*\.runner_system_id \(EACCES\)/,
    );
  });

  it('warns and uses the generated id when the directory cannot be written', async () => {
    const fs = faultyFs();
    fs.rule = (c) => (c.op === 'create' ? errnoError('EROFS', 'open', c.path) : null);
    const logger = memoryLogger();
    await writeFile(machineIdPath, '0123456789abcdef0123456789abcdef');
    const result = await loadOrCreateSystemId({ configPath, fs, machineIdPaths: [machineIdPath], logger });
    expect(result).toMatchObject({ systemId: 's_ee3af03959fe', source: 'generated-unsaved' });
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'cannot save system_id; using it for this run only',
        code: 'EROFS',
      }),
    );
  });
});
