/**
 * A worker process of the config-push benchmark running many paddock-agents at once, each wired as the agent's
 * main.ts wires one: its credential file and `.runner_system_id`, its config store over the real filesystem (its
 * own directory, on tmpfs here), the drift watcher, the session and one real websocket to the API.
 *
 * Differences from a real agent, all outside the measured path: no gitlab-runner runs, so the probe's metrics
 * target is "none" (no scrape is attempted); the drift watcher's periodic stat is slowed to once per 10 minutes
 * (fs.watch and the check after each apply stay); system_ids are random `r_` ids (every agent here shares one
 * /etc/machine-id); log lines are built as usual and counted instead of written.
 *
 * In "instant" mode (switched over IPC) the wrapper answers `applied` itself as soon as the connection hands over
 * the parsed frame, as the clients of a bare `ws` broadcast benchmark would: what is left is the API and the
 * transport.
 *
 * The session handlers are wrapped to timestamp each `apply`: when the connection hands over the parsed frame,
 * and when the answer (`applied`/`failed`) is ready to be sent, i.e. after config.toml and the agent's state
 * were written. Timestamps are epoch milliseconds with sub-millisecond resolution, comparable across processes.
 * Each agent also keeps the runner `limit` of the newest config it applied, so that a benchmark can wait for
 * limits the API decides by itself (a fleet budget re-split) instead of for a revision it asked for.
 *
 * The worker says `ready` once it listens for requests, so that a benchmark can start agents without counting
 * the process's own start.
 */
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { runnerConfigComparer } from '../../apps/agent/src/config-store/compare.js';
import { createConfigStore } from '../../apps/agent/src/config-store/config-store.js';
import { createDriftWatcher, type DriftWatcher } from '../../apps/agent/src/config-store/drift-watcher.js';
import {
  createAgentConnection,
  type AgentConnection,
  type SessionHandlers,
} from '../../apps/agent/src/connection/agent-connection.js';
import { agentSocketUrl } from '../../apps/agent/src/connection/server-url.js';
import { nodeFileSystem } from '../../apps/agent/src/fs/file-system.js';
import { createHostInfo } from '../../apps/agent/src/handlers/host.js';
import { createSession } from '../../apps/agent/src/handlers/session.js';
import { readCredential, writeCredential } from '../../apps/agent/src/identity/credential.js';
import { loadOrCreateSystemId } from '../../apps/agent/src/identity/system-id.js';
import { createLogger } from '../../apps/agent/src/log/logger.js';
import { createRunnerProbe } from '../../apps/agent/src/runner-probe/probe.js';
import { AGENT_VERSION } from '../../apps/agent/src/version.js';
import { countLog, type LogCounts } from './log-counts.js';

export interface AgentSpec {
  /** index in the whole benchmark, names the directory */
  index: number;
  machineId: string;
  credential: string;
}

export type WorkerRequest =
  | { type: 'start'; server: string; root: string; agents: AgentSpec[]; concurrency: number }
  /** instant: answer `applied` as soon as the frame is parsed, without touching the disk (API + transport only) */
  | { type: 'mode'; instant: boolean }
  | { type: 'await'; revision: number; timeoutMs: number }
  | { type: 'collect'; revision: number }
  /**
   * wait until each listed agent ([index, limit]) has applied a config whose runner limit is that limit, with its
   * answer ready at `since` (epoch ms) or later
   */
  | { type: 'await-limits'; expected: Array<[number, number]>; since: number; timeoutMs: number }
  | { type: 'stop' };

/** [agent index, frame handed to the session, answer ready, 1 = applied / 0 = failed or nothing] */
export type ApplyRecord = [number, number, number, number];

/** [agent index, frame handed to the session, answer ready, runner limit] of the newest config applied */
export type LimitRecord = [number, number, number, number];

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'progress'; welcomed: number }
  | { type: 'started'; welcomed: number; ms: number }
  | { type: 'awaited'; answered: number; missing: number }
  | { type: 'collected'; records: ApplyRecord[] }
  | { type: 'log'; logs: LogCounts; disconnects: number }
  | { type: 'moded' }
  /** `records`: the listed agents' newest applied limits; `missing`: indexes still short of theirs */
  | { type: 'limits-awaited'; records: LimitRecord[]; missing: number[] }
  | { type: 'stopped' };

const now = () => performance.timeOrigin + performance.now();
const send = (m: WorkerReply) => process.send?.(m);

interface Running {
  connection: AgentConnection;
  watcher: DriftWatcher;
}

const running: Running[] = [];
/** per agent index: the newest revision answered, with its timestamps */
const applies = new Map<number, { revision: number; record: ApplyRecord }>();
const logs: LogCounts = { warn: 0, error: 0, byMessage: {}, first: [] };
let disconnects = 0;
let waiter: { revision: number; done: () => void } | null = null;
/** per agent index: the runner limit of the newest config it applied (0 when the runner was left out) */
const limits = new Map<number, { revision: number; record: LimitRecord }>();
let limitWaiter: { expected: Array<[number, number]>; since: number; done: () => void } | null = null;

/** The `limit` of the config's runner; a config without one (a budget share of 0 leaves the runner out) is 0. */
function runnerLimit(config: string): number {
  const m = /^\s*limit\s*=\s*(\d+)/m.exec(config);
  return m ? Number(m[1]) : 0;
}

function limitsMissing(expected: Array<[number, number]>, since: number): number[] {
  return expected
    .filter(([index, limit]) => {
      const record = limits.get(index)?.record;
      return record?.[3] !== limit || record[2] < since;
    })
    .map(([index]) => index);
}
let agentCount = 0;
let instant = false;

const logger = createLogger({
  level: 'info',
  write(line) {
    const level = /"level":"(\w+)"/.exec(line)?.[1];
    if (level !== 'warn' && level !== 'error') return;
    countLog(logs, level, line);
  },
});

function answeredCount(revision: number): number {
  let n = 0;
  for (const a of applies.values()) if (a.revision >= revision) n++;
  return n;
}

async function startAgent(server: string, root: string, spec: AgentSpec, welcomed: () => void) {
  const dir = join(root, `agent-${spec.index}`);
  const configPath = join(dir, 'gitlab-runner', 'config.toml');
  const stateDir = join(dir, 'state');
  const log = logger.child({ agent: spec.index });
  // What `paddock-agent enroll` leaves behind, then what `run` reads at start.
  await writeCredential(stateDir, { server, machineId: spec.machineId, credential: spec.credential });
  const credential = (await readCredential(stateDir))!;
  const { systemId } = await loadOrCreateSystemId({ configPath, machineIdPaths: [], logger: log });
  const fs = nodeFileSystem;
  const comparer = runnerConfigComparer;
  const store = createConfigStore({
    configPath,
    stateDir,
    machineId: credential.machineId,
    comparer,
    fs,
    logger: log,
  });
  await store.load();
  const probe = createRunnerProbe({
    async target() {
      const disk = await store.readDisk();
      const facts = disk ? comparer.inspect(disk.text) : null;
      return {
        metrics: { url: null, reason: 'no gitlab-runner runs in this benchmark' },
        runners: facts?.runners ?? [],
      };
    },
  });
  const watcher = createDriftWatcher({
    store,
    comparer,
    fs,
    logger: log,
    send: (m) => session.outbox(m),
    pollIntervalMs: 600_000,
  });
  const session = createSession({
    identity: {
      systemId,
      hostname: `bench-agent-${spec.index}`,
      os: platform(),
      arch: arch(),
      agentVersion: AGENT_VERSION,
    },
    store,
    probe,
    host: createHostInfo(),
    logger: log,
    driftWatcher: watcher,
  });
  const handlers: SessionHandlers = {
    hello: () => session.hello(),
    status: () => session.status(),
    async apply(message) {
      const received = now();
      const answer: Awaited<ReturnType<SessionHandlers['apply']>> = instant
        ? { type: 'applied', revision: message.revision, sha256: message.sha256, written: false }
        : await session.apply(message);
      const record: ApplyRecord = [spec.index, received, now(), answer?.type === 'applied' ? 1 : 0];
      const previous = applies.get(spec.index);
      if (!previous || previous.revision <= message.revision) {
        applies.set(spec.index, { revision: message.revision, record });
      }
      const newest = limits.get(spec.index);
      if (answer?.type === 'applied' && (!newest || newest.revision <= message.revision)) {
        limits.set(spec.index, {
          revision: message.revision,
          record: [spec.index, record[1], record[2], runnerLimit(message.config)],
        });
        if (limitWaiter && limitsMissing(limitWaiter.expected, limitWaiter.since).length === 0) {
          limitWaiter.done();
        }
      }
      if (waiter && message.revision >= waiter.revision && answeredCount(waiter.revision) === agentCount) {
        waiter.done();
      }
      return answer;
    },
    connected(welcome, sender) {
      session.connected(welcome, sender);
      welcomed();
    },
    disconnected() {
      disconnects++;
      session.disconnected();
    },
  };
  const connection = createAgentConnection({
    url: agentSocketUrl(credential.server),
    credential: credential.credential,
    handlers,
    logger: log,
  });
  running.push({ connection, watcher });
  watcher.start();
  connection.start();
}

async function start(req: Extract<WorkerRequest, { type: 'start' }>) {
  const t0 = performance.now();
  agentCount = req.agents.length;
  let welcomed = 0;
  const progress = setInterval(() => send({ type: 'progress', welcomed }), 1000);
  // A bounded number of handshakes in flight: a fleet does not all connect in the same millisecond either, and
  // the API's listen backlog would overflow.
  let next = 0;
  await Promise.all(
    Array.from({ length: req.concurrency }, async () => {
      while (next < req.agents.length) {
        const spec = req.agents[next++]!;
        await new Promise<void>((resolve, reject) => {
          let done = false;
          startAgent(req.server, req.root, spec, () => {
            if (done) return;
            done = true;
            welcomed++;
            resolve();
          }).catch(reject);
        });
      }
    }),
  );
  clearInterval(progress);
  send({ type: 'started', welcomed, ms: performance.now() - t0 });
}

process.on('message', (req: WorkerRequest) => {
  const handle = async () => {
    switch (req.type) {
      case 'start':
        return start(req);
      case 'mode':
        instant = req.instant;
        send({ type: 'moded' });
        return;
      case 'await': {
        if (answeredCount(req.revision) < agentCount) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, req.timeoutMs);
            waiter = {
              revision: req.revision,
              done: () => {
                clearTimeout(timer);
                resolve();
              },
            };
          });
          waiter = null;
        }
        const answered = answeredCount(req.revision);
        send({ type: 'awaited', answered, missing: agentCount - answered });
        return;
      }
      case 'await-limits': {
        if (limitsMissing(req.expected, req.since).length > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, req.timeoutMs);
            limitWaiter = {
              expected: req.expected,
              since: req.since,
              done: () => {
                clearTimeout(timer);
                resolve();
              },
            };
          });
          limitWaiter = null;
        }
        const records = req.expected.flatMap(([index]) => {
          const l = limits.get(index);
          return l ? [l.record] : [];
        });
        send({ type: 'limits-awaited', records, missing: limitsMissing(req.expected, req.since) });
        return;
      }
      case 'collect': {
        const records: ApplyRecord[] = [];
        for (const a of applies.values()) if (a.revision === req.revision) records.push(a.record);
        send({ type: 'collected', records });
        send({ type: 'log', logs, disconnects });
        return;
      }
      case 'stop': {
        await Promise.all(
          running.map(async (r) => {
            r.watcher.stop();
            await r.connection.stop();
          }),
        );
        send({ type: 'stopped' });
        setTimeout(() => process.exit(0), 50);
        return;
      }
    }
  };
  handle().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
