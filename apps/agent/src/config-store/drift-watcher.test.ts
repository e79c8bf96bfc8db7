import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeComparer } from '../../test/support/fake-comparer.js';
import { inbox, type Inbox } from '../../test/support/inbox.js';
import { memoryLogger } from '../../test/support/memory-logger.js';
import { nodeFileSystem } from '../fs/file-system.js';
import { createConfigStore, type ConfigStore } from './config-store.js';
import {
  createDriftWatcher,
  MISSING_FILE_PATH,
  type DriftMessage,
  type DriftWatcher,
  type DirWatcher,
} from './drift-watcher.js';
import { sha256Hex } from './state.js';

const APPLIED = [
  'concurrent = 2',
  'url = "https://gitlab.example"',
  'id = 7',
  'token = "glrt-t1_aaaaaaaaaaaaaaaa"',
  'token_obtained_at = 2026-01-01T00:00:00Z',
  'token_expires_at = 2026-04-01T00:00:00Z',
  '',
].join('\n');

let dir: string;
let configPath: string;
let store: ConfigStore;
let messages: Inbox<DriftMessage>;
let watcher: DriftWatcher | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-drift-'));
  configPath = join(dir, 'config.toml');
  store = createConfigStore({
    configPath,
    stateDir: join(dir, 'state'),
    machineId: 'm',
    comparer: fakeComparer,
    fs: nodeFileSystem,
    logger: memoryLogger(),
  });
  await store.load();
  messages = inbox<DriftMessage>();
});
afterEach(async () => {
  watcher?.stop();
  watcher = undefined;
  await rm(dir, { recursive: true, force: true });
});

function start(
  options: {
    pollIntervalMs?: number;
    watchDir?: DirWatcher;
    connected?: () => boolean;
    debounceMs?: number;
  } = {},
) {
  watcher = createDriftWatcher({
    store,
    comparer: fakeComparer,
    fs: nodeFileSystem,
    logger: memoryLogger(),
    send: (m) => (options.connected?.() ?? true) && messages.push(m),
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
    // Long enough that a busy machine finishes an in-place write (truncate, then write) within it.
    debounceMs: 100,
    watchDir: options.watchDir,
  });
  watcher.start();
  return watcher;
}

async function applyBaseline() {
  expect(await store.apply({ revision: 3, config: APPLIED, sha256: sha256Hex(APPLIED) })).toMatchObject({
    kind: 'applied',
  });
}

describe('drift watcher', () => {
  it('reports a changed value as drift with its path, noticed through fs.watch', async () => {
    await applyBaseline();
    start();
    const edited = APPLIED.replace('concurrent = 2', 'concurrent = 9');
    await writeFile(configPath, edited);
    expect(await messages.next()).toEqual({
      type: 'drift',
      revision: 3,
      diskSha256: sha256Hex(edited),
      paths: ['concurrent'],
    });
  });

  it('reports a token-only change as tokenRotated with the new token fields', async () => {
    await applyBaseline();
    start();
    const rotated = APPLIED.replace('glrt-t1_aaaaaaaaaaaaaaaa', 'glrt-t1_bbbbbbbbbbbbbbbb')
      .replace(
        'token_obtained_at = 2026-01-01T00:00:00Z',
        'token_obtained_at = 2026-03-10T12:00:00.123456789Z',
      )
      .replace('token_expires_at = 2026-04-01T00:00:00Z', 'token_expires_at = 2026-07-01T00:00:00Z');
    await writeFile(configPath, rotated);
    expect(await messages.next()).toEqual({
      type: 'tokenRotated',
      revision: 3,
      diskSha256: sha256Hex(rotated),
      tokens: [
        {
          runner: { url: 'https://gitlab.example', id: 7 },
          token: 'glrt-t1_bbbbbbbbbbbbbbbb',
          tokenObtainedAt: '2026-03-10T12:00:00.123456789Z',
          tokenExpiresAt: '2026-07-01T00:00:00Z',
        },
      ],
    });
  });

  it('says "back in line" (drift with no paths) once the difference is undone', async () => {
    await applyBaseline();
    start();
    await writeFile(configPath, APPLIED.replace('id = 7', 'id = 8'));
    expect(await messages.next()).toMatchObject({ type: 'drift', paths: ['id'] });
    await writeFile(configPath, APPLIED);
    expect(await messages.next()).toEqual({
      type: 'drift',
      revision: 3,
      diskSha256: sha256Hex(APPLIED),
      paths: [],
    });
  });

  it('stays quiet when only the formatting changed (equal by value)', async () => {
    await applyBaseline();
    const w = start();
    await writeFile(configPath, `# re-saved by gitlab-runner\n${APPLIED}\n`);
    expect(await w.check()).toMatchObject({ kind: 'in-line', identical: false });
    expect(messages.items).toEqual([]);
  });

  it('reports a missing file', async () => {
    await applyBaseline();
    start();
    await unlink(configPath);
    expect(await messages.next()).toEqual({
      type: 'drift',
      revision: 3,
      diskSha256: null,
      paths: [MISSING_FILE_PATH],
    });
  });

  it('notices changes by periodic stat when fs.watch is unavailable', async () => {
    await applyBaseline();
    start({
      pollIntervalMs: 20,
      watchDir: () => {
        throw Object.assign(new Error('inotify limit'), { code: 'ENOSPC' });
      },
    });
    await writeFile(configPath, APPLIED.replace('concurrent = 2', 'concurrent = 3'));
    expect(await messages.next()).toMatchObject({ type: 'drift', paths: ['concurrent'] });
  });

  it('sends a difference once, and again only when asked to resend (after a reconnect)', async () => {
    await applyBaseline();
    let connected = false;
    const w = start({ watchDir: () => ({ close() {} }), connected: () => connected });
    await writeFile(configPath, APPLIED.replace('concurrent = 2', 'concurrent = 5'));
    // Disconnected: nothing delivered.
    expect(await w.check()).toMatchObject({ kind: 'drift' });
    await w.check();
    expect(messages.items).toEqual([]);
    connected = true;
    await w.check();
    expect(messages.items).toEqual([]);
    await w.check({ resend: true });
    expect(messages.items).toMatchObject([{ type: 'drift', paths: ['concurrent'] }]);
  });

  it('does not report a file caught in the middle of an in-place write', async () => {
    await applyBaseline();
    const final = APPLIED.replace('concurrent = 2', 'concurrent = 7');
    let firstRead = true;
    // gitlab-runner truncates, then writes: the first read sees the empty file, and the write completes right after.
    const racingStore: ConfigStore = {
      ...store,
      async snapshot() {
        const snap = await store.snapshot();
        if (firstRead) {
          firstRead = false;
          await writeFile(configPath, final);
        }
        return snap;
      },
    };
    await writeFile(configPath, '');
    watcher = createDriftWatcher({
      store: racingStore,
      comparer: fakeComparer,
      fs: nodeFileSystem,
      logger: memoryLogger(),
      send: (m) => messages.push(m),
      debounceMs: 10,
      watchDir: () => ({ close() {} }),
    });
    watcher.start();
    await watcher.check();
    expect(await messages.next()).toMatchObject({
      type: 'drift',
      diskSha256: sha256Hex(final),
      paths: ['concurrent'],
    });
    expect(messages.items).toHaveLength(1);
  });

  it('says nothing before any revision was applied', async () => {
    await writeFile(configPath, 'concurrent = 1\n');
    const w = start();
    expect(await w.check({ resend: true })).toEqual({ kind: 'nothing-applied' });
    expect(messages.items).toEqual([]);
  });

  it('treats the new revision as the baseline after an apply', async () => {
    await applyBaseline();
    const w = start({ watchDir: () => ({ close() {} }) });
    const next = APPLIED.replace('concurrent = 2', 'concurrent = 6');
    await store.apply({ revision: 4, config: next, sha256: sha256Hex(next) });
    w.reset();
    expect(await w.check()).toMatchObject({ kind: 'in-line', revision: 4, identical: true });
    expect(messages.items).toEqual([]);
  });
});
