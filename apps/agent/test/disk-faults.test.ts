/**
 * A full disk, a read-only filesystem and an immutable config.toml, end to end: Paddock (a fake endpoint) sends
 * `apply`, the agent answers `failed` with the reason code and a message naming the errno, and config.toml stays
 * byte for byte what it was, with no temporary file left behind. Once the disk has room again (or is writable),
 * the same revision applies.
 *
 * The tests run as root, and root ignores permission bits, so the failures are made real where the host allows
 * it: a small tmpfs filled to the last page (ENOSPC), the same tmpfs remounted read-only (EROFS), `chattr +i` on
 * the file (EPERM). Where mounting or chattr is not permitted, the agent's filesystem seam fails the same calls
 * with the same errno instead (test/support/faulty-fs.ts); the test names say which ran.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type Welcome } from '@paddock/protocol';
import { runnerConfigComparer } from '../src/config-store/compare.js';
import { createConfigStore } from '../src/config-store/config-store.js';
import { sha256Hex } from '../src/config-store/state.js';
import { createAgentConnection, type AgentConnection } from '../src/connection/agent-connection.js';
import { nodeFileSystem, type FileSystem } from '../src/fs/file-system.js';
import { createSession } from '../src/handlers/session.js';
import { createRunnerProbe } from '../src/runner-probe/probe.js';
import { startFakePaddock, type AgentSocket, type FakePaddock } from './support/fake-paddock.js';
import { errnoError, faultyFs } from './support/faulty-fs.js';
import { twoConfigs } from './support/kill-harness.js';
import { memoryLogger } from './support/memory-logger.js';

const run = promisify(execFile);
const [OLD, NEW] = twoConfigs();
const WELCOME: Welcome = {
  type: 'welcome',
  protocolVersion: PROTOCOL_VERSION,
  machineId: '0190f3a4-7b1c-7d2e-8f3a-0000000000d1',
  heartbeatIntervalMs: 60_000,
};

async function permitted(command: string, args: string[]): Promise<boolean> {
  return run(command, args).then(
    () => true,
    () => false,
  );
}

/** Whether this host lets the test mount a tmpfs (root with CAP_SYS_ADMIN, outside a locked-down container). */
async function canMount(): Promise<boolean> {
  const probe = await mkdtemp(join(tmpdir(), 'paddock-mount-probe-'));
  try {
    if (!(await permitted('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]))) return false;
    await run('umount', [probe]);
    return true;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}

/** Whether `chattr +i` works in the temp directory (ext4, xfs, btrfs do; tmpfs and overlayfs may not). */
async function canChattr(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-chattr-probe-'));
  try {
    const file = join(dir, 'f');
    await (await open(file, 'w')).close();
    if (!(await permitted('chattr', ['+i', file]))) return false;
    await run('chattr', ['-i', file]);
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const mounting = await canMount();
const immutable = await canChattr();

let dir: string;
let configDir: string;
let paddock: FakePaddock | undefined;
let connection: AgentConnection | undefined;
const undo: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-disk-'));
  configDir = join(dir, 'etc');
  await mkdir(configDir);
});
afterEach(async () => {
  await connection?.stop();
  connection = undefined;
  await paddock?.close();
  paddock = undefined;
  for (const step of undo.splice(0).reverse()) await step().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const configPath = () => join(configDir, 'config.toml');
const apply = (revision: number, config: string) => ({
  type: 'apply' as const,
  revision,
  config,
  sha256: sha256Hex(config),
});

/** The agent as main.ts wires it (store, session, connection), over `fs`, connected to a fake Paddock. */
async function connectAgent(fs: FileSystem): Promise<AgentSocket> {
  const logger = memoryLogger();
  const store = createConfigStore({
    configPath: configPath(),
    stateDir: join(dir, 'state'),
    machineId: WELCOME.machineId,
    comparer: runnerConfigComparer,
    fs,
    logger,
  });
  await store.load();
  const session = createSession({
    identity: {
      systemId: 's_0123456789ab',
      hostname: 'disk-test',
      os: 'linux',
      arch: 'x64',
      agentVersion: '0.1.0',
    },
    store,
    probe: createRunnerProbe({
      target: async () => ({ metrics: { url: null, reason: 'no gitlab-runner here' }, runners: [] }),
    }),
    host: () => ({ cpuCount: 2, load1: 0, memoryBytes: 1e9, memoryAvailableBytes: 5e8 }),
    logger,
  });
  paddock = await startFakePaddock();
  connection = createAgentConnection({
    url: paddock.url,
    credential: 'pac_disk_test',
    handlers: session,
    logger,
    backoff: { baseMs: 10, capMs: 50 },
  });
  connection.start();
  const socket = await paddock.connections.next();
  await socket.messages.next((m) => m.type === 'hello');
  socket.send(WELCOME);
  return socket;
}

const answer = (socket: AgentSocket, revision: number) =>
  socket.messages.next((m) => (m.type === 'applied' || m.type === 'failed') && m.revision === revision);

/** config.toml, its previous copy and nothing else: no temporary file survived. */
async function expectOnlyConfigFiles() {
  const names = (await readdir(configDir)).filter((n) => n !== 'lost+found' && n !== 'filler');
  expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
}

/** Mounts a tmpfs of `size` on the config directory; unmounted after the test. */
async function mountTmpfs(size: string) {
  await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', configDir]);
  undo.push(() => run('umount', ['-l', configDir]));
}

/** Writes a file until the filesystem has no page left. */
async function fillDisk(): Promise<string> {
  const filler = join(configDir, 'filler');
  const handle = await open(filler, 'w');
  try {
    const block = randomBytes(4096);
    for (;;) await handle.write(block);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    await handle.close();
  }
  return filler;
}

describe('disk full', () => {
  const medium = mounting ? 'a 256 KiB tmpfs filled to the last page' : 'ENOSPC from the filesystem seam';

  it(`answers failed/disk_full and keeps the old config.toml (${medium})`, async () => {
    let full = false;
    let fs: FileSystem = nodeFileSystem;
    if (mounting) await mountTmpfs('256k');
    else {
      // Without a mount: every new file's first write fails, as on a full disk.
      const faulty = faultyFs();
      faulty.rule = (c) => (full && c.op === 'write' ? errnoError('ENOSPC', 'write', c.path) : null);
      fs = faulty;
    }
    const socket = await connectAgent(fs);
    socket.send(apply(1, OLD));
    expect(await answer(socket, 1)).toMatchObject({ type: 'applied', written: true });
    const before = await readFile(configPath());

    const filler = mounting ? await fillDisk() : null;
    full = true;
    socket.send(apply(2, NEW));
    const failed = await answer(socket, 2);
    expect(failed).toMatchObject({ type: 'failed', revision: 2, code: 'disk_full' });
    expect(failed.type === 'failed' && failed.message).toMatch(/^cannot .*: ENOSPC \(/);
    expect((await readFile(configPath())).equals(before)).toBe(true);
    await expectOnlyConfigFiles();

    // Room again: Paddock sends the revision again (it does on the agent's next hello), and it applies.
    if (filler) await unlink(filler);
    full = false;
    socket.send(apply(2, NEW));
    expect(await answer(socket, 2)).toMatchObject({ type: 'applied', written: true });
    expect(await readFile(configPath(), 'utf8')).toBe(NEW);
  });
});

describe('read-only filesystem', () => {
  const medium = mounting ? 'a tmpfs remounted read-only' : 'EROFS from the filesystem seam';

  it(`answers failed/read_only and keeps the old config.toml (${medium})`, async () => {
    let readOnly = false;
    let fs: FileSystem = nodeFileSystem;
    if (mounting) await mountTmpfs('1m');
    else {
      const faulty = faultyFs();
      const writes = new Set(['create', 'rename', 'unlink', 'mkdir', 'chmod']);
      faulty.rule = (c) => (readOnly && writes.has(c.op) ? errnoError('EROFS', c.op, c.path) : null);
      fs = faulty;
    }
    const socket = await connectAgent(fs);
    socket.send(apply(1, OLD));
    expect(await answer(socket, 1)).toMatchObject({ type: 'applied' });
    const before = await readFile(configPath());

    if (mounting) await run('mount', ['-o', 'remount,ro', configDir]);
    readOnly = true;
    socket.send(apply(2, NEW));
    const failed = await answer(socket, 2);
    expect(failed).toMatchObject({ type: 'failed', revision: 2, code: 'read_only' });
    expect(failed.type === 'failed' && failed.message).toMatch(/: EROFS \(/);
    expect((await readFile(configPath())).equals(before)).toBe(true);
    await expectOnlyConfigFiles();

    if (mounting) await run('mount', ['-o', 'remount,rw', configDir]);
    readOnly = false;
    socket.send(apply(2, NEW));
    expect(await answer(socket, 2)).toMatchObject({ type: 'applied', written: true });
    expect(await readFile(configPath(), 'utf8')).toBe(NEW);
  });
});

describe('immutable config.toml', () => {
  const medium = immutable ? 'chattr +i' : 'EPERM from the filesystem seam';

  it(`answers failed/permission_denied and keeps the old config.toml (${medium})`, async () => {
    let locked = false;
    let fs: FileSystem = nodeFileSystem;
    if (!immutable) {
      const faulty = faultyFs();
      faulty.rule = (c) =>
        locked && c.op === 'rename' && c.path === configPath() ? errnoError('EPERM', 'rename', c.path) : null;
      fs = faulty;
    }
    const socket = await connectAgent(fs);
    socket.send(apply(1, OLD));
    expect(await answer(socket, 1)).toMatchObject({ type: 'applied' });
    const before = await readFile(configPath());

    if (immutable) {
      await run('chattr', ['+i', configPath()]);
      undo.push(() => run('chattr', ['-i', configPath()]));
    }
    locked = true;
    socket.send(apply(2, NEW));
    const failed = await answer(socket, 2);
    expect(failed).toMatchObject({ type: 'failed', revision: 2, code: 'permission_denied' });
    expect(failed.type === 'failed' && failed.message).toMatch(/^cannot write .*config\.toml: EPERM \(/);
    expect((await readFile(configPath())).equals(before)).toBe(true);
    await expectOnlyConfigFiles();

    if (immutable) await run('chattr', ['-i', configPath()]);
    locked = false;
    socket.send(apply(2, NEW));
    expect(await answer(socket, 2)).toMatchObject({ type: 'applied', written: true });
  });
});
