import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOSE, PROTOCOL_VERSION, type Welcome } from '@paddock/protocol';
import { fakeComparer } from '../../test/support/fake-comparer.js';
import { startFakePaddock, type FakePaddock } from '../../test/support/fake-paddock.js';
import { memoryLogger, type MemoryLogger } from '../../test/support/memory-logger.js';
import { createConfigStore, type ConfigStore } from '../config-store/config-store.js';
import { createDriftWatcher } from '../config-store/drift-watcher.js';
import { sha256Hex } from '../config-store/state.js';
import { nodeFileSystem } from '../fs/file-system.js';
import { createSession, type Session } from '../handlers/session.js';
import { createRunnerProbe } from '../runner-probe/probe.js';
import {
  createAgentConnection,
  type AgentConnection,
  type AgentConnectionOptions,
} from './agent-connection.js';

const CONFIG = 'concurrent = 3\nurl = "https://gitlab.example"\nid = 4\ntoken = "glrt-abc"\n';
const WELCOME: Welcome = {
  type: 'welcome',
  protocolVersion: PROTOCOL_VERSION,
  machineId: '0190f3a4-7b1c-7d2e-8f3a-1234567890ab',
  heartbeatIntervalMs: 1000,
};
const HOST = { cpuCount: 4, load1: 0.25, memoryBytes: 8_000_000_000, memoryAvailableBytes: 3_000_000_000 };

let dir: string;
let paddock: FakePaddock | undefined;
let connection: AgentConnection | undefined;
let logger: MemoryLogger;
let store: ConfigStore;
let stopWatcher: (() => void) | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-conn-'));
  logger = memoryLogger();
  store = createConfigStore({
    configPath: join(dir, 'config.toml'),
    stateDir: join(dir, 'state'),
    machineId: WELCOME.machineId,
    comparer: fakeComparer,
    fs: nodeFileSystem,
    logger,
  });
  await store.load();
});
afterEach(async () => {
  stopWatcher?.();
  await connection?.stop();
  connection = undefined;
  await paddock?.close();
  paddock = undefined;
  await rm(dir, { recursive: true, force: true });
});

function startAgent(url: string, overrides: Partial<AgentConnectionOptions> = {}) {
  const probe = createRunnerProbe({
    target: async () => ({ metrics: { url: null, reason: 'metrics disabled in this test' }, runners: [] }),
  });
  const driftWatcher = createDriftWatcher({
    store,
    comparer: fakeComparer,
    fs: nodeFileSystem,
    logger,
    send: (m) => session.outbox(m),
    debounceMs: 10,
  });
  const session: Session = createSession({
    identity: {
      systemId: 's_ee3af03959fe',
      hostname: 'build-7',
      os: 'linux',
      arch: 'x64',
      agentVersion: '0.1.0',
    },
    store,
    probe,
    host: () => HOST,
    logger,
    driftWatcher,
  });
  driftWatcher.start();
  stopWatcher = () => driftWatcher.stop();
  connection = createAgentConnection({
    url,
    credential: 'pac_secret_credential',
    handlers: session,
    logger,
    backoff: { baseMs: 10, capMs: 80 },
    random: () => 0.5,
    versionMismatchRetryMs: 120,
    stableAfterMs: 60_000,
    ...overrides,
  });
  connection.start();
  return connection;
}

const reconnecting = (code?: number) => (e: { msg: string; code?: unknown }) =>
  e.msg === 'disconnected; reconnecting' && (code === undefined || e.code === code);

describe('agent connection', () => {
  it('authenticates with the credential and says hello with the machine facts', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url);
    const socket = await paddock.connections.next();
    expect(socket.request.headers.authorization).toBe('Bearer pac_secret_credential');
    expect(await socket.messages.next()).toEqual({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      agentVersion: '0.1.0',
      systemId: 's_ee3af03959fe',
      hostname: 'build-7',
      os: 'linux',
      arch: 'x64',
      runnerVersion: null,
      applied: null,
      diskSha256: null,
      cpuCount: 4,
      memoryBytes: 8_000_000_000,
    });
    expect(logger.lines.join('\n')).not.toContain('pac_secret_credential');
  });

  it('welcome → status; apply → applied, written to disk; status again on the heartbeat', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url);
    const socket = await paddock.connections.next();
    await socket.messages.next((m) => m.type === 'hello');
    socket.send(WELCOME);
    expect(await socket.messages.next()).toEqual({
      type: 'status',
      diskSha256: null,
      runner: {
        metricsOk: false,
        error: 'metrics disabled in this test',
        version: null,
        concurrent: null,
        jobs: [],
      },
      host: HOST,
    });

    socket.send({ type: 'apply', revision: 1, config: CONFIG, sha256: sha256Hex(CONFIG) });
    expect(await socket.messages.next((m) => m.type !== 'status')).toEqual({
      type: 'applied',
      revision: 1,
      sha256: sha256Hex(CONFIG),
      written: true,
    });
    expect(await readFile(join(dir, 'config.toml'), 'utf8')).toBe(CONFIG);

    socket.send({ type: 'apply', revision: 2, config: CONFIG, sha256: sha256Hex('something else') });
    expect(await socket.messages.next((m) => m.type !== 'status')).toMatchObject({
      type: 'failed',
      revision: 2,
      code: 'hash_mismatch',
    });

    const heartbeat = await socket.messages.next((m) => m.type === 'status' && m.diskSha256 !== null, 3000);
    expect(heartbeat).toMatchObject({ type: 'status', diskSha256: sha256Hex(CONFIG) });
    expect(socket.invalid).toEqual([]);
  });

  it('reports drift over the socket, and again to the next connection', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url);
    const first = await paddock.connections.next();
    await first.messages.next((m) => m.type === 'hello');
    first.send(WELCOME);
    first.send({ type: 'apply', revision: 1, config: CONFIG, sha256: sha256Hex(CONFIG) });
    await first.messages.next((m) => m.type === 'applied');

    const edited = CONFIG.replace('concurrent = 3', 'concurrent = 30');
    await writeFile(join(dir, 'config.toml'), edited);
    const drift = { type: 'drift', revision: 1, diskSha256: sha256Hex(edited), paths: ['concurrent'] };
    expect(await first.messages.next((m) => m.type === 'drift')).toEqual(drift);

    // A new connection learns about the difference again after its welcome.
    first.ws.close(1001, 'restarting');
    const second = await paddock.connections.next();
    await second.messages.next((m) => m.type === 'hello');
    second.send(WELCOME);
    expect(await second.messages.next((m) => m.type === 'drift')).toEqual(drift);
  });

  it('drops frames that do not parse, logs them, and carries on', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url);
    const socket = await paddock.connections.next();
    await socket.messages.next((m) => m.type === 'hello');
    socket.sendRaw('not json');
    socket.sendRaw(JSON.stringify({ type: 'reboot' }));
    socket.sendRaw(Buffer.from([0xff, 0xfe, 0x00]));
    socket.sendRaw(JSON.stringify({ type: 'apply', revision: 0, config: '', sha256: 'x' }));
    socket.send(WELCOME);
    expect(await socket.messages.next()).toMatchObject({ type: 'status' });
    const dropped = logger.entries.filter((e) => e.msg === 'dropped a frame from Paddock');
    expect(dropped.map((e) => e.reason)).toEqual([
      'frame is not JSON',
      expect.stringContaining('invalid message'),
      'frame is not valid UTF-8',
      expect.stringContaining('invalid message'),
    ]);
    expect(dropped.at(-1)?.droppedFrames).toBe(4);
    expect(await readFile(join(dir, 'config.toml')).catch(() => null)).toBeNull();
  });

  it('reconnects after the API restarts and reports the applied revision in the new hello', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url);
    const first = await paddock.connections.next();
    await first.messages.next((m) => m.type === 'hello');
    first.send(WELCOME);
    first.send({ type: 'apply', revision: 7, config: CONFIG, sha256: sha256Hex(CONFIG) });
    await first.messages.next((m) => m.type === 'applied');

    const port = paddock.port;
    await paddock.close();
    paddock = await startFakePaddock({ port });
    const second = await paddock.connections.next(undefined, 10_000);
    expect(await second.messages.next()).toMatchObject({
      type: 'hello',
      applied: { number: 7, sha256: sha256Hex(CONFIG) },
      diskSha256: sha256Hex(CONFIG),
    });
  });

  it('backs off exponentially with jitter, and resets after a connection that stayed up', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url, { stableAfterMs: 0 });
    for (let i = 0; i < 4; i++) {
      const socket = await paddock.connections.next();
      socket.ws.close(1011, 'internal error');
    }
    const delays = (await logger.waitForCount(reconnecting(1011), 4)).map((e) => e.delayMs);
    expect(delays).toEqual([5, 10, 20, 40]);

    // Welcomed, then up for at least stableAfterMs (0 here): the next delay starts from the base again.
    const socket = await paddock.connections.next();
    await socket.messages.next((m) => m.type === 'hello');
    socket.send(WELCOME);
    await socket.messages.next((m) => m.type === 'status');
    socket.ws.close(1001, 'going away');
    expect((await logger.waitFor(reconnecting(1001))).delayMs).toBe(5);
  });

  it('on 4001 (revoked) tells the operator to enroll again and retries at the cap', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url);
    (await paddock.connections.next()).ws.close(CLOSE.revoked, 'credential revoked');
    const error = await logger.waitFor((e) => e.level === 'error' && e.code === CLOSE.revoked);
    expect(error.msg).toMatch(/enroll again/);
    expect((await logger.waitFor(reconnecting(CLOSE.revoked))).delayMs).toBe(80);
    await paddock.connections.next();
  });

  it('on HTTP 401 at the upgrade says the same and retries at the cap', async () => {
    paddock = await startFakePaddock({ rejectWith: 401 });
    startAgent(paddock.url);
    const error = await logger.waitFor((e) => e.level === 'error' && e.httpStatus === 401);
    expect(error.msg).toMatch(/paddock-agent enroll --force/);
    expect((await logger.waitFor((e) => reconnecting()(e) && e.httpStatus === 401)).delayMs).toBe(80);
  });

  it('on 4002 (protocol version) logs it clearly and keeps retrying slowly', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url);
    (await paddock.connections.next()).ws.close(CLOSE.versionMismatch, 'agent speaks 1.0, API speaks 2.0');
    const error = await logger.waitFor((e) => e.level === 'error' && e.code === CLOSE.versionMismatch);
    expect(error).toMatchObject({ reason: 'agent speaks 1.0, API speaks 2.0' });
    expect(error.msg).toMatch(/protocol version/);
    expect((await logger.waitFor(reconnecting(CLOSE.versionMismatch))).delayMs).toBe(120);
    await paddock.connections.next();
  });

  it('on 4003 (replaced) backs off normally', async () => {
    paddock = await startFakePaddock();
    startAgent(paddock.url);
    (await paddock.connections.next()).ws.close(CLOSE.replaced, 'replaced');
    expect((await logger.waitFor(reconnecting(CLOSE.replaced))).delayMs).toBe(5);
    expect(logger.entries.some((e) => e.level === 'warn' && String(e.msg).includes('replaced'))).toBe(true);
    await paddock.connections.next();
  });

  it('stops cleanly: closes with 1000 and does not reconnect', async () => {
    paddock = await startFakePaddock();
    const agent = startAgent(paddock.url);
    const socket = await paddock.connections.next();
    await socket.messages.next((m) => m.type === 'hello');
    socket.send(WELCOME);
    await socket.messages.next((m) => m.type === 'status');
    await agent.stop();
    expect(await socket.closed).toEqual({ code: 1000, reason: 'agent stopping' });
    expect(logger.entries.filter(reconnecting())).toEqual([]);
  });
});
