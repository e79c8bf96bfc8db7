import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeComparer } from '../../test/support/fake-comparer.js';
import { CrashError, errnoError, faultyFs, type FaultyFs } from '../../test/support/faulty-fs.js';
import { memoryLogger } from '../../test/support/memory-logger.js';
import { nodeFileSystem, type FileSystem } from '../fs/file-system.js';
import { createConfigStore, type ApplyRequest, type ConfigStore } from './config-store.js';
import { sha256Hex } from './state.js';

let dir: string;
let configDir: string;
let stateDir: string;
let configPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-store-'));
  configDir = join(dir, 'etc');
  stateDir = join(dir, 'state');
  configPath = join(configDir, 'config.toml');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function revision(n: number, config: string): ApplyRequest {
  return { revision: n, config, sha256: sha256Hex(config) };
}

async function openStore(fs: FileSystem = nodeFileSystem, machineId = 'machine-1'): Promise<ConfigStore> {
  const store = createConfigStore({
    configPath,
    stateDir,
    machineId,
    comparer: fakeComparer,
    fs,
    logger: memoryLogger(),
  });
  await store.load();
  return store;
}

const OLD = 'concurrent = 1\nurl = "https://gitlab.example"\nid = 7\ntoken = "glrt-old"\n';
const NEW = 'concurrent = 4\nurl = "https://gitlab.example"\nid = 7\ntoken = "glrt-old"\n';

// config.toml or its own temporary file, not the copy kept as config.toml.paddock-prev.
function isConfigItself(path: string): boolean {
  return /\/(config\.toml|\.config\.toml\.paddock-[0-9a-f]{12}\.tmp)$/.test(path);
}

const prevPath = () => `${configPath}.paddock-prev`;

async function stateOnDisk(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as Record<string, unknown>;
}

async function seedOld(mode = 0o600) {
  const store = await openStore();
  await store.apply(revision(1, OLD));
  await chmod(configPath, mode);
}

describe('config store: apply', () => {
  it('writes a new config.toml with mode 0600 and persists the applied revision', async () => {
    const store = await openStore();
    const outcome = await store.apply(revision(1, OLD));
    expect(outcome).toEqual({ kind: 'applied', revision: 1, sha256: sha256Hex(OLD), written: true });
    expect(await readFile(configPath, 'utf8')).toBe(OLD);
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    expect(await readdir(configDir)).toEqual(['config.toml']);

    // One file holds the revision and its text (runner tokens: 0600).
    expect(await stateOnDisk()).toEqual({
      machineId: 'machine-1',
      applied: { number: 1, sha256: sha256Hex(OLD) },
      text: OLD,
    });
    expect((await stat(join(stateDir, 'state.json'))).mode & 0o777).toBe(0o600);
    expect(await readdir(stateDir)).toEqual(['state.json']);
  });

  it('keeps the previous file as config.toml.paddock-prev and the existing mode', async () => {
    await seedOld(0o640);
    const store = await openStore();
    const before = await stat(configPath);
    expect(await store.apply(revision(2, NEW))).toMatchObject({ kind: 'applied', written: true });
    expect(await readFile(configPath, 'utf8')).toBe(NEW);
    expect(await readFile(prevPath(), 'utf8')).toBe(OLD);
    const after = await stat(configPath);
    expect(after.mode & 0o777).toBe(0o640);
    // A new inode via rename: gitlab-runner sees a fresh mtime and never a half-written file.
    expect(after.ino).not.toBe(before.ino);
    expect(after.mtimeMs).toBeGreaterThanOrEqual(before.mtimeMs);
    expect((await readdir(configDir)).sort()).toEqual(['config.toml', 'config.toml.paddock-prev']);
  });

  it('keeps the previous file by a second name for the old inode, not a copy', async () => {
    await seedOld(0o640);
    const fs = faultyFs();
    const store = await openStore(fs);
    const before = await stat(configPath);
    expect(await store.apply(revision(2, NEW))).toMatchObject({ kind: 'applied', written: true });
    const prev = await stat(prevPath());
    expect(prev.ino).toBe(before.ino);
    expect(prev.ino).not.toBe((await stat(configPath)).ino);
    expect(prev.nlink).toBe(1);
    expect(prev.mode & 0o777).toBe(0o640);
    expect(await readFile(prevPath(), 'utf8')).toBe(OLD);
    // The old text is neither read back nor written again: no temporary file for prev is created.
    expect(fs.calls.filter((c) => c.op === 'create').map((c) => basename(c.path))).toEqual([
      expect.stringMatching(/^\.config\.toml\.paddock-[0-9a-f]{12}\.tmp$/),
      expect.stringMatching(/^\.state\.json\.paddock-[0-9a-f]{12}\.tmp$/),
    ]);
  });

  it('replaces config.toml with these filesystem calls once the directories are known', async () => {
    await seedOld();
    const fs = faultyFs();
    const store = await openStore(fs);
    await store.apply(revision(2, NEW));
    fs.calls.length = 0;
    await store.apply(revision(3, OLD));
    const name = (path: string) => basename(path).replace(/\.paddock-[0-9a-f]{12}\.tmp$/, '.tmp');
    // fchown only runs as root; it keeps the previous owner.
    const calls = fs.calls.filter((c) => c.op !== 'fchown').map((c) => `${c.op} ${name(c.path)}`);
    expect(calls).toEqual([
      'readFile config.toml',
      'stat config.toml',
      'create .config.toml.tmp',
      'write .config.toml.tmp',
      'fchmod .config.toml.tmp',
      'fsync .config.toml.tmp',
      'close .config.toml.tmp',
      'link .config.toml.paddock-prev.tmp',
      'rename config.toml.paddock-prev',
      'rename config.toml',
      'fsyncDir etc',
      'create .state.json.tmp',
      'write .state.json.tmp',
      'fchmod .state.json.tmp',
      'fsync .state.json.tmp',
      'close .state.json.tmp',
      'rename state.json',
      'fsyncDir state',
    ]);
  });

  it.each(['EPERM', 'ENOTSUP', 'EXDEV', 'EMLINK'])(
    'copies the previous file where link fails with %s (no hard links there)',
    async (code) => {
      await seedOld(0o640);
      const fs = faultyFs();
      const store = await openStore(fs);
      fs.rule = (c) => (c.op === 'link' ? errnoError(code, 'link', c.path) : null);
      const before = await stat(configPath);
      expect(await store.apply(revision(2, NEW))).toMatchObject({ kind: 'applied', written: true });
      expect(await readFile(configPath, 'utf8')).toBe(NEW);
      expect(await readFile(prevPath(), 'utf8')).toBe(OLD);
      const prev = await stat(prevPath());
      expect(prev.ino).not.toBe(before.ino);
      expect(prev.mode & 0o777).toBe(0o640);
      expect((await readdir(configDir)).sort()).toEqual(['config.toml', 'config.toml.paddock-prev']);
    },
  );

  it('copies the previous file when config.toml already has a second name (an interrupted apply)', async () => {
    await seedOld();
    const fs = faultyFs();
    const store = await openStore(fs);
    // The rename of the new file fails after prev became a second name of config.toml.
    fs.rule = (c) =>
      c.op === 'rename' && c.path === configPath ? errnoError('EIO', 'rename', c.path) : null;
    expect(await store.apply(revision(2, NEW))).toMatchObject({ kind: 'failed', code: 'io_error' });
    expect((await stat(prevPath())).ino).toBe((await stat(configPath)).ino);

    fs.rule = null;
    expect(await store.apply(revision(2, NEW))).toMatchObject({ kind: 'applied', written: true });
    expect(await readFile(configPath, 'utf8')).toBe(NEW);
    expect(await readFile(prevPath(), 'utf8')).toBe(OLD);
    expect((await stat(prevPath())).ino).not.toBe((await stat(configPath)).ino);
    expect((await readdir(configDir)).sort()).toEqual(['config.toml', 'config.toml.paddock-prev']);
  });

  it('creates the directories once, and again when one was removed', async () => {
    const fs = faultyFs();
    const store = await openStore(fs);
    const mkdirs = () => fs.calls.filter((c) => c.op === 'mkdir').map((c) => c.path);
    await store.apply(revision(1, OLD));
    expect(mkdirs()).toEqual([configDir, stateDir]);
    await store.apply(revision(2, NEW));
    expect(mkdirs()).toHaveLength(2);

    await rm(configDir, { recursive: true });
    await rm(stateDir, { recursive: true });
    expect(await store.apply(revision(3, OLD))).toMatchObject({ kind: 'applied', written: true });
    expect(await readFile(configPath, 'utf8')).toBe(OLD);
    expect(await stateOnDisk()).toMatchObject({ applied: { number: 3 }, text: OLD });
    expect(mkdirs()).toEqual([configDir, stateDir, configDir, stateDir]);
  });

  it('skips the write when the file already has this hash', async () => {
    await seedOld();
    const store = await openStore();
    const before = await stat(configPath);
    expect(await store.apply(revision(2, OLD))).toEqual({
      kind: 'applied',
      revision: 2,
      sha256: sha256Hex(OLD),
      written: false,
    });
    const after = await stat(configPath);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(store.applied()).toEqual({ number: 2, sha256: sha256Hex(OLD) });
  });

  it('ignores revisions older than the applied one; the same revision again is idempotent', async () => {
    const store = await openStore();
    await store.apply(revision(5, NEW));
    expect(await store.apply(revision(4, OLD))).toMatchObject({ kind: 'ignored', revision: 4 });
    expect(await readFile(configPath, 'utf8')).toBe(NEW);
    expect(await store.apply(revision(5, NEW))).toMatchObject({ kind: 'applied', written: false });
    expect(store.applied()?.number).toBe(5);
  });

  it('refuses a config whose sha256 does not match, leaving the file alone', async () => {
    await seedOld();
    const store = await openStore();
    const outcome = await store.apply({ revision: 2, config: NEW, sha256: sha256Hex(OLD) });
    expect(outcome).toMatchObject({ kind: 'failed', code: 'hash_mismatch' });
    expect(await readFile(configPath, 'utf8')).toBe(OLD);
    expect(store.applied()?.number).toBe(1);
  });

  it('refuses content gitlab-runner would not accept, before touching the disk', async () => {
    await seedOld();
    const fs = faultyFs();
    const store = await openStore(fs);
    fs.calls.length = 0;
    const outcome = await store.apply(revision(2, 'concurrent = 0\n'));
    expect(outcome).toMatchObject({ kind: 'failed', code: 'invalid_content' });
    expect(outcome.kind === 'failed' && outcome.message).toMatch(/concurrent: must be at least 1/);
    expect(fs.calls).toEqual([]);
    expect(await readFile(configPath, 'utf8')).toBe(OLD);
  });

  it.each([
    ['ENOSPC', 'write', 'disk_full'],
    ['EDQUOT', 'fsync', 'disk_full'],
    ['EACCES', 'create', 'permission_denied'],
    ['EPERM', 'fchmod', 'permission_denied'],
    ['EROFS', 'rename', 'read_only'],
    ['EIO', 'close', 'io_error'],
  ] as const)(
    'maps %s at %s to %s, keeping the old file and no temporary file',
    async (code, op, expected) => {
      await seedOld();
      const fs = faultyFs();
      const store = await openStore(fs);
      fs.rule = (c) => (c.op === op && isConfigItself(c.path) ? errnoError(code, op, c.path) : null);
      const outcome = await store.apply(revision(2, NEW));
      expect(outcome).toMatchObject({ kind: 'failed', revision: 2, code: expected });
      expect(outcome.kind === 'failed' && outcome.message).toContain(code);
      expect(await readFile(configPath, 'utf8')).toBe(OLD);
      expect((await readdir(configDir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(store.applied()?.number).toBe(1);
    },
  );

  it('fails with read_only on a read-only mount, before anything is renamed', async () => {
    await seedOld();
    const fs = faultyFs();
    const store = await openStore(fs);
    fs.rule = (c) => (c.op === 'create' ? errnoError('EROFS', 'open', c.path) : null);
    expect(await store.apply(revision(2, NEW))).toMatchObject({ kind: 'failed', code: 'read_only' });
    expect(await readFile(configPath, 'utf8')).toBe(OLD);
    expect(await readdir(configDir)).toEqual(['config.toml']);
  });

  it('still answers applied when only the state cannot be persisted (config.toml is right)', async () => {
    const fs = faultyFs();
    const store = await openStore(fs);
    fs.rule = (c) => (c.path.startsWith(stateDir) && c.op === 'create' ? errnoError('ENOSPC', 'open') : null);
    expect(await store.apply(revision(1, OLD))).toMatchObject({ kind: 'applied', written: true });
    expect(store.applied()?.number).toBe(1);
  });
});

describe('config store: tokens rotated by gitlab-runner', () => {
  const rotated = OLD.replace('glrt-old', 'glrt-rotated');

  it('refuses a revision that would put back the token gitlab-runner rotated away', async () => {
    const store = await openStore();
    await store.apply(revision(1, OLD));
    // gitlab-runner rotates the token and re-saves the file in place.
    await writeFile(configPath, rotated);
    const outcome = await store.apply(revision(2, NEW));
    expect(outcome).toMatchObject({ kind: 'failed', revision: 2, code: 'invalid_content' });
    expect(outcome.kind === 'failed' && outcome.message).toMatch(/https:\/\/gitlab.example id 7.*revoked/);
    expect(await readFile(configPath, 'utf8')).toBe(rotated);
    expect(store.applied()?.number).toBe(1);

    // Once Paddock adopted the rotated token, its next revision carries it and is written.
    const adopted = NEW.replace('glrt-old', 'glrt-rotated');
    expect(await store.apply(revision(3, adopted))).toMatchObject({ kind: 'applied', written: true });
  });

  it('accepts a revision with a token different from both (Paddock reset it itself)', async () => {
    const store = await openStore();
    await store.apply(revision(1, OLD));
    await writeFile(configPath, rotated);
    const reset = NEW.replace('glrt-old', 'glrt-reset-by-paddock');
    expect(await store.apply(revision(2, reset))).toMatchObject({ kind: 'applied', written: true });
  });
});

describe('config store: state across restarts', () => {
  it('reports the applied revision and text after a restart', async () => {
    const first = await openStore();
    await first.apply(revision(3, NEW));
    const second = await openStore();
    expect(second.applied()).toEqual({ number: 3, sha256: sha256Hex(NEW) });
    expect(second.appliedText()).toBe(NEW);
    expect(await second.readDisk()).toEqual({ text: NEW, sha256: sha256Hex(NEW) });
  });

  it('forgets the applied revision of an earlier enrollment', async () => {
    await (await openStore(nodeFileSystem, 'machine-1')).apply(revision(9, NEW));
    const other = await openStore(nodeFileSystem, 'machine-2');
    expect(other.applied()).toBeNull();
    // Revision numbers restart for the new machine: 1 must not be ignored.
    expect(await other.apply(revision(1, OLD))).toMatchObject({ kind: 'applied', written: true });
  });

  it('keeps the revision but not the text when the text no longer matches', async () => {
    await (await openStore()).apply(revision(2, NEW));
    await writeFile(
      join(stateDir, 'state.json'),
      JSON.stringify({ ...(await stateOnDisk()), text: 'tampered' }),
    );
    const store = await openStore();
    expect(store.applied()?.number).toBe(2);
    expect(store.appliedText()).toBeNull();
  });

  describe('written by an earlier agent (the text in applied-config.toml)', () => {
    const legacyText = () => join(stateDir, 'applied-config.toml');
    async function seedLegacy(text: string) {
      await mkdir(stateDir, { recursive: true });
      const applied = { number: 4, sha256: sha256Hex(NEW) };
      await writeFile(join(stateDir, 'state.json'), JSON.stringify({ machineId: 'machine-1', applied }));
      await writeFile(legacyText(), text, { mode: 0o600 });
    }

    it('reads the revision and the text', async () => {
      await seedLegacy(NEW);
      const store = await openStore();
      expect(store.applied()).toEqual({ number: 4, sha256: sha256Hex(NEW) });
      expect(store.appliedText()).toBe(NEW);
    });

    it('keeps the revision but not the text when the text no longer matches', async () => {
      await seedLegacy('tampered');
      const store = await openStore();
      expect(store.applied()?.number).toBe(4);
      expect(store.appliedText()).toBeNull();
    });

    it('removes applied-config.toml once state.json holds the text', async () => {
      await seedLegacy(NEW);
      const store = await openStore();
      expect(await store.apply(revision(5, OLD))).toMatchObject({ kind: 'applied', written: true });
      expect(await readdir(stateDir)).toEqual(['state.json']);
      expect(await stateOnDisk()).toMatchObject({ applied: { number: 5 }, text: OLD });
      expect((await openStore()).appliedText()).toBe(OLD);
    });

    it('keeps applied-config.toml while state.json cannot be written', async () => {
      await seedLegacy(NEW);
      const fs = faultyFs();
      const store = await openStore(fs);
      fs.rule = (c) =>
        c.path.startsWith(stateDir) && c.op === 'create' ? errnoError('ENOSPC', 'open') : null;
      expect(await store.apply(revision(5, OLD))).toMatchObject({ kind: 'applied', written: true });
      expect(await readFile(legacyText(), 'utf8')).toBe(NEW);
      expect((await openStore()).appliedText()).toBe(NEW);
    });
  });

  it('removes temporary files an interrupted write left behind', async () => {
    await seedOld();
    await writeFile(join(configDir, '.config.toml.paddock-0123456789ab.tmp'), 'partial');
    await writeFile(join(stateDir, '.state.json.paddock-0123456789ab.tmp'), 'partial');
    await writeFile(join(configDir, 'unrelated.tmp'), 'keep');
    await openStore();
    expect((await readdir(configDir)).sort()).toEqual(['config.toml', 'unrelated.tmp']);
    expect(await readdir(stateDir)).toEqual(['state.json']);
  });
});

describe('config store: failure at every step of the write sequence', () => {
  async function stepsOfOneApply(): Promise<number> {
    await seedOld();
    const fs = faultyFs();
    const store = await openStore(fs);
    const base = fs.calls.length;
    await store.apply(revision(2, NEW));
    const steps = fs.calls.length - base;
    await rm(dir, { recursive: true, force: true });
    return steps;
  }

  async function runWithFailureAt(
    step: number,
    kind: 'crash' | 'errno',
  ): Promise<{ fs: FaultyFs; outcome: unknown }> {
    await seedOld();
    const fs = faultyFs();
    const store = await openStore(fs);
    const base = fs.calls.length;
    fs.rule = (c) =>
      c.n === base + step ? (kind === 'crash' ? 'crash' : errnoError('EIO', c.op, c.path)) : null;
    const outcome = await store.apply(revision(2, NEW)).catch((err: unknown) => err);
    return { fs, outcome };
  }

  it('leaves config.toml exactly old or new, whichever step crashes', async () => {
    const steps = await stepsOfOneApply();
    expect(steps).toBeGreaterThan(15);
    const seen = new Set<string>();
    for (let step = 1; step <= steps; step++) {
      const { fs, outcome } = await runWithFailureAt(step, 'crash');
      const text = await readFile(configPath, 'utf8');
      expect([OLD, NEW], `crash at step ${step} (${fs.calls.at(-1)?.op})`).toContain(text);
      seen.add(text);
      // A crash inside the store surfaces as a failure answer or the crash itself; never as a half file.
      expect(outcome instanceof CrashError || (outcome as { kind?: string }).kind !== undefined).toBe(true);
      // After the restart, leftovers are cleaned and the next apply succeeds.
      const restarted = await openStore();
      expect((await readdir(configDir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(await restarted.apply(revision(2, NEW))).toMatchObject({ kind: 'applied' });
      expect(await readFile(configPath, 'utf8')).toBe(NEW);
      await rm(dir, { recursive: true, force: true });
    }
    // Both outcomes happen: crashes before the rename keep OLD, after it NEW.
    expect(seen).toEqual(new Set([OLD, NEW]));
  });

  it('on an I/O error at any step: old content and a failed answer, or new content and applied; no temp files', async () => {
    const steps = await stepsOfOneApply();
    for (let step = 1; step <= steps; step++) {
      const { fs, outcome } = await runWithFailureAt(step, 'errno');
      const where = `EIO at step ${step} (${fs.calls.at(-1)?.op} ${fs.calls.at(-1)?.path})`;
      const text = await readFile(configPath, 'utf8');
      const kind = (outcome as { kind: string }).kind;
      if (kind === 'failed') expect(text, where).toBe(OLD);
      else expect([kind, text], where).toEqual(['applied', NEW]);
      expect(
        (await readdir(configDir)).filter((n) => n.endsWith('.tmp')),
        where,
      ).toEqual([]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
