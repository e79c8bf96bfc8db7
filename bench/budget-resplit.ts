/**
 * Fleet-budget re-split after a machine loss (issue 8, point 1): how long after one machine goes away every other
 * machine runs with its new share of the budget, and the same when the machine comes back.
 *
 *   npx pnpm --filter @paddock/bench budget-resplit -- --agents 100,1000
 *     [--heartbeat-ms 2000] [--rounds 2] [--scenarios stop,freeze] [--budget worst|<jobs>] [--workers auto]
 *     [--connect-concurrency 50] [--profile] [--from-json FILE] [--no-write]
 *
 * For each N: a fresh database with N machines, seeded as a fleet that has been up a while (online, with the CPU
 * count their agents report), and one docker runner whose token has a fleet budget, assigned to all of them; the
 * real API in a child process with `PADDOCK_AGENT_HEARTBEAT_MS` short; N real agents in worker processes
 * (lib/config-push-agents.ts), the one that will go away alone in a worker of its own so that it can be stopped or
 * frozen as a whole host would. Once every agent runs the first split, rounds of two scenarios:
 *
 * - **stop**: the victim's process is killed (SIGKILL). The kernel closes its socket, so the API hears of it at
 *   once. Back: a fresh process starts the same agent (same directory and credential).
 * - **freeze**: the victim's process is stopped (SIGSTOP): its socket stays open and nothing answers, like a hung
 *   host or a dead link. The API pings every heartbeat interval and drops a connection whose last ping went
 *   unanswered for a whole interval, so the loss is detected one to two intervals after the freeze. Back: SIGCONT;
 *   the agent finds its connection closed and reconnects (backoff with jitter, under 0.5 s for a first retry).
 *
 * Clocks (one host, epoch milliseconds): *event* is the kill, SIGSTOP, SIGCONT or the restarted agent's start;
 * *detected* is the first of the bench's polls (every 10 ms) that finds the victim's `connection_state` changed in
 * the database, i.e. the API has recorded it offline (or online again); *applied* is when the API stamped each
 * re-split revision applied (`config_revisions.applied_at`). Target (issue 8): the re-split pushed to, and
 * applied by, every machine whose share changed within three heartbeat intervals of the detection. The time from
 * the event is given as well.
 *
 * `--budget worst` (the default) gives the token N·(N−1) jobs, so that every remaining machine's share changes
 * (N−1 each with all healthy, N each without the victim): the largest re-split one lost machine can cause, a
 * revision for every machine. Such a budget is above what the REST API accepts (10,000); it is written into the
 * database directly, and nothing on the revision path depends on its size. `--budget <jobs>` tests a realistic
 * budget instead, where only the machines whose share moves get a revision.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { splitBudget } from '../apps/api/src/modules/limits/budget.js';
import type { ApiStats, Timer } from './lib/config-push-api.js';
import type { AgentSpec, LimitRecord, WorkerReply, WorkerRequest } from './lib/config-push-agents.js';
import {
  ApiProcess,
  cpuNow,
  cpuSince,
  createBenchDatabase,
  forkTs,
  loadSampler,
  log,
  nextMessage,
  now,
  seedFleet,
  sleep,
  stopWorkers,
  TMPFS_MAGIC,
  uptime,
  commitOfCheckout,
  type LoadFigures,
} from './lib/config-push-fleet.js';
import type { Cpu } from './lib/config-push-report.js';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './lib/cpuprofile.js';
import { mergeLogs, type LogCounts } from './lib/log-counts.js';
import { mib, rssBytes } from './lib/proc.js';
import { machineDescription, ms, summarize, writeSection, type LatencySummary } from './lib/stats.js';

// ---------------------------------------------------------------------------------------------------------------
// command line

type Scenario = 'stop' | 'freeze';

function parseArgs(argv: string[]) {
  const opts = {
    agents: [100, 1000],
    heartbeatMs: 2000,
    rounds: 2,
    scenarios: ['stop', 'freeze'] as Scenario[],
    /** 0: N·(N−1), every remaining machine's share changes */
    budget: 0,
    workers: 0,
    connectConcurrency: 50,
    /** profile the API over one more stop round even when every target was met */
    profile: false,
    fromJson: '',
    write: true,
  };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--agents')
      opts.agents = value()
        .split(',')
        .map((s) => Number(s.replace(/_/g, '')));
    else if (a === '--heartbeat-ms') opts.heartbeatMs = Number(value());
    else if (a === '--rounds') opts.rounds = Number(value());
    else if (a === '--scenarios') opts.scenarios = value().split(',') as Scenario[];
    else if (a === '--budget') {
      const v = value();
      opts.budget = v === 'worst' ? 0 : Number(v);
    } else if (a === '--workers') opts.workers = value() === 'auto' ? 0 : Number(value());
    else if (a === '--connect-concurrency') opts.connectConcurrency = Number(value());
    else if (a === '--profile') opts.profile = true;
    else if (a === '--from-json') opts.fromJson = value();
    else if (a === '--no-write') opts.write = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.agents.some((n) => !Number.isInteger(n) || n < 3))
    throw new Error('--agents: integers of 3 or more');
  if (!Number.isInteger(opts.heartbeatMs) || opts.heartbeatMs < 1000 || opts.heartbeatMs > 300_000)
    throw new Error('--heartbeat-ms: 1000 to 300000, as the API accepts');
  if (!(opts.rounds >= 1)) throw new Error('--rounds: at least 1');
  if (opts.scenarios.some((s) => s !== 'stop' && s !== 'freeze'))
    throw new Error('--scenarios: stop and/or freeze');
  if (!Number.isInteger(opts.budget) || opts.budget < 0) throw new Error('--budget: worst or a whole number');
  return opts;
}
type Options = ReturnType<typeof parseArgs>;

// ---------------------------------------------------------------------------------------------------------------
// results

/** One re-split: the victim went away (`loss`) or came back (`back`). */
interface Phase {
  scenario: Scenario;
  round: number;
  kind: 'loss' | 'back';
  /** machines whose share changed, i.e. that had to apply a new config */
  changed: number;
  /** event → detected (the victim's state changed in the database) */
  detectMs: number;
  /** detected → the first re-split rollout was created (its transaction began) */
  rolloutMs: number;
  /** re-split rollouts created during the phase (more than one: the budget moved more than once) */
  rollouts: number;
  /** revisions of those rollouts */
  revisions: number;
  /** per changed machine, from the detection: apply frame parsed by its agent (the API's part) */
  received: LatencySummary;
  /** per changed machine: frame parsed → answer ready (the agent's part: validate, write, record) */
  agentWork: LatencySummary;
  /** per changed machine: answer ready → stamped applied by the API (batched) */
  recording: LatencySummary;
  /** per changed machine, from the detection: the API stamped the revision applied */
  applied: LatencySummary;
  /** the last of `applied`, from the detection (the target) and from the event */
  allDoneMs: number;
  allDoneFromEventMs: number;
  /** changed machines that never reached their new limit, or whose application was never recorded */
  missing: number;
  /** other machines that went offline during the phase (missed heartbeats under load) */
  flapped: number;
  cpu: Cpu;
  wallMs: number;
  api: ApiStats;
  profile?: { file: string; summary: ProfileSummary };
}

interface FleetRun {
  n: number;
  budget: number;
  workers: number;
  connectMs: number;
  /** from the last welcome until every agent ran the first split and the API went quiet */
  settleMs: number;
  rssIdle: number;
  phases: Phase[];
  agentLogs: LogCounts;
  disconnects: number;
  error?: string;
}

interface RunInfo {
  command: string;
  date: string;
  machine: string;
  commit: string;
  heartbeatMs: number;
  rounds: number;
  budget: string;
  uptimeStart: string;
  uptimeEnd: string;
  load: LoadFigures;
}

// ---------------------------------------------------------------------------------------------------------------
// one fleet size

const RESPLIT_REASON = 'fleet budget re-split';

/** Runs the agents of `specs` in a new worker connected to `server`; resolves once all are welcomed. */
async function startWorker(
  specs: AgentSpec[],
  server: string,
  root: string,
  concurrency: number,
  onProgress?: (welcomed: number) => void,
): Promise<{ worker: ChildProcess; startedAt: number }> {
  const worker = forkTs('config-push-agents.ts', {});
  await nextMessage<WorkerReply, 'ready'>(worker, 'ready', 120_000);
  const startedAt = now();
  worker.send({ type: 'start', server, root, agents: specs, concurrency } satisfies WorkerRequest);
  await nextMessage<WorkerReply, 'started'>(worker, 'started', 10 * 60_000, (m) => {
    if (m.type === 'progress') onProgress?.(m.welcomed);
  });
  return { worker, startedAt };
}

async function runFleet(n: number, opts: Options, cleanup: Array<() => Promise<void>>): Promise<FleetRun> {
  const budget = opts.budget || n * (n - 1);
  const cpuCount = os.availableParallelism();
  const name = `paddock_bench_resplit_${n}_${Date.now()}`;
  const databaseUrl = await createBenchDatabase(name, cleanup);
  const key = randomBytes(32);
  // Seen "in the future": the offline sweep must leave alone the machines whose agents are still queued to connect.
  const { agents } = await seedFleet(databaseUrl, key, n, {
    token: { limitMode: 'fleet_budget', limitValue: budget },
    online: { lastSeenAt: new Date(Date.now() + 3_600_000), cpuCount },
  });
  log(`N=${n}: database ${name} seeded (budget ${budget}, ${cpuCount} CPUs per machine)`);

  const root = mkdtempSync(path.join('/dev/shm', `paddock-budget-resplit-${n}-`));
  if (statfsSync(root).type !== TMPFS_MAGIC) log(`warning: ${root} is not on tmpfs`);
  cleanup.push(async () => rmSync(root, { recursive: true, force: true }));

  const api = await ApiProcess.start(databaseUrl, key, opts.heartbeatMs);
  cleanup.push(() => api.stop());
  log(`N=${n}: API up at ${api.url} (pid ${api.pid}), heartbeat ${opts.heartbeatMs} ms`);

  // Agent 0 goes away and comes back: alone in its worker, so that its process is the whole "host".
  const victim = agents[0]!;
  const others = agents.slice(1);
  const workerCount = opts.workers || Math.max(1, Math.ceil(others.length / 5000));
  const workers: ChildProcess[] = [];
  let victimWorker: ChildProcess | null = null;
  cleanup.push(async () => {
    // A frozen worker would never read its stop request.
    victimWorker?.kill('SIGCONT');
    await stopWorkers([...workers, ...(victimWorker ? [victimWorker] : [])]);
  });
  const tConnect = performance.now();
  const welcomed = new Array<number>(workerCount).fill(0);
  const progress = setInterval(
    () => log(`N=${n}: ${welcomed.reduce((a, b) => a + b, 0)}/${others.length} agents welcomed`),
    5000,
  );
  try {
    const started = await Promise.all([
      ...Array.from({ length: workerCount }, (_, k) =>
        startWorker(
          others.filter((_, i) => i % workerCount === k),
          api.url,
          root,
          opts.connectConcurrency,
          (w) => (welcomed[k] = w),
        ),
      ),
    ]);
    workers.push(...started.map((s) => s.worker));
    victimWorker = (await startWorker([victim], api.url, root, 1)).worker;
  } finally {
    clearInterval(progress);
  }
  const connectMs = performance.now() - tConnect;
  log(`N=${n}: all ${n} agents welcomed in ${ms(connectMs)}`);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  cleanup.push(() => client.end().catch(() => {}));
  const workerOf = (index: number) => (index === 0 ? victimWorker! : workers[(index - 1) % workerCount]!);

  /** What each machine's share is with the victim healthy or not, from the API's own split. */
  const sharesWith = (victimHealthy: boolean) =>
    splitBudget(
      budget,
      agents.map((a) => ({ id: a.machineId, capacity: cpuCount, healthy: a.index !== 0 || victimHealthy })),
    ).shares;
  const limitOf = (shares: Map<string, number>, a: AgentSpec) => shares.get(a.machineId)!;

  /** Waits until each listed agent applied its limit; returns the records and the agents still short of it. */
  const awaitLimits = async (expected: Array<[number, number]>, since: number, timeoutMs: number) => {
    const byWorker = new Map<ChildProcess, Array<[number, number]>>();
    for (const e of expected) {
      const w = workerOf(e[0]);
      byWorker.set(w, [...(byWorker.get(w) ?? []), e]);
    }
    const replies = await Promise.all(
      [...byWorker].map(([w, list]) => {
        w.send({ type: 'await-limits', expected: list, since, timeoutMs } satisfies WorkerRequest);
        return nextMessage<WorkerReply, 'limits-awaited'>(w, 'limits-awaited', timeoutMs + 30_000);
      }),
    );
    return {
      records: replies.flatMap((r) => r.records),
      missing: replies.flatMap((r) => r.missing),
    };
  };

  /** Until no machine that is online waits for a revision and no rollout was created for a whole interval. */
  const waitSettled = async (maxMs: number) => {
    const t0 = performance.now();
    for (;;) {
      const { rows } = await client.query<{ pending: number; quiet: boolean }>(
        `SELECT (SELECT count(*)::int FROM machines
                  WHERE connection_state = 'online' AND desired_revision IS DISTINCT FROM applied_revision) AS pending,
                coalesce((SELECT max(created_at) FROM rollouts) < now() - make_interval(secs => $1), true) AS quiet`,
        [opts.heartbeatMs / 1000],
      );
      if (rows[0]!.pending === 0 && rows[0]!.quiet) return;
      if (performance.now() - t0 > maxMs)
        throw new Error(`not settled after ${maxMs} ms: ${rows[0]!.pending} machines wait for a revision`);
      await sleep(200);
    }
  };

  // Everyone runs the first split (a revision each from the first re-split after the hellos).
  const tSettle = performance.now();
  const first = sharesWith(true);
  const firstMissing = (
    await awaitLimits(
      agents.map((a) => [a.index, limitOf(first, a)]),
      0,
      Math.max(60_000, n * 60),
    )
  ).missing;
  if (firstMissing.length) throw new Error(`${firstMissing.length} agents never ran the first split`);
  await waitSettled(120_000);
  const settleMs = performance.now() - tSettle;
  const rssIdle = rssBytes(api.pid);
  log(`N=${n}: every agent runs the first split (settled in ${ms(settleMs)}); API RSS ${mib(rssIdle)}`);

  /** Polls the victim's connection state every 10 ms until it is (or is not) `online`; returns when first seen. */
  const detect = async (online: boolean, timeoutMs: number): Promise<number> => {
    const t0 = performance.now();
    for (;;) {
      const { rows } = await client.query<{ s: string }>(
        `SELECT connection_state AS s FROM machines WHERE id = $1`,
        [victim.machineId],
      );
      const at = now();
      if ((rows[0]!.s === 'online') === online) return at;
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`the victim was not seen ${online ? 'online' : 'offline'} in ${timeoutMs} ms`);
      await sleep(10);
    }
  };

  const phases: Phase[] = [];
  let current = first;
  // The victim's own CPU is left out: a killed process takes its figures with it.
  const agentPids = () => workers.map((w) => w.pid!);

  const phase = async (
    scenario: Scenario,
    round: number,
    kind: 'loss' | 'back',
    act: () => Promise<number>,
    profileFile?: string,
  ): Promise<Phase> => {
    const next = sharesWith(kind === 'back');
    const expected: Array<[number, number]> = agents
      .filter((a) => (kind === 'back' ? true : a.index !== 0))
      .filter((a) => limitOf(next, a) !== limitOf(current, a) || (kind === 'back' && a.index === 0))
      .map((a) => [a.index, limitOf(next, a)]);
    await api.call({ type: 'reset' });
    const { rows: before } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM machines WHERE connection_state <> 'online'`,
    );
    const cpu0 = cpuNow([api.pid], agentPids(), name);
    if (profileFile) await api.call({ type: 'profile-start' });
    const event = await act();
    const timeoutMs = 20 * opts.heartbeatMs + n * 20;
    const detectedP = detect(kind === 'back', timeoutMs);
    // Only answers after the event count: a frozen victim still holds the share it had before it froze.
    const { records, missing } = await awaitLimits(expected, event, timeoutMs);
    const detected = await detectedP;
    // The agents have applied; wait until the API has recorded every answer (or stops making progress).
    const ids = expected.map(([i]) => agents[i]!.machineId);
    let appliedAt = new Map<string, number>();
    let lastProgress = performance.now();
    for (;;) {
      const { rows } = await client.query<{ machine_id: string; at: number }>(
        `SELECT r.machine_id, extract(epoch FROM max(r.applied_at)) * 1000 AS at
           FROM config_revisions r JOIN rollouts o ON o.id = r.rollout_id
          WHERE o.reason = $1 AND o.created_at >= to_timestamp($2 / 1000.0)
            AND r.machine_id = ANY($3::uuid[]) AND r.applied_at IS NOT NULL
          GROUP BY r.machine_id`,
        [RESPLIT_REASON, event, ids],
      );
      if (rows.length > appliedAt.size) lastProgress = performance.now();
      appliedAt = new Map(rows.map((r) => [r.machine_id, Number(r.at)]));
      if (appliedAt.size >= ids.length || performance.now() - lastProgress > 5_000) break;
      await sleep(50);
    }
    const wallMs = now() - event;
    if (profileFile) await api.call({ type: 'profile-stop', file: profileFile });
    const cpu = cpuSince(cpu0, cpuNow([api.pid], agentPids(), name));
    const stats = (await api.call({ type: 'stats' }))!;
    const { rows: ro } = await client.query<{ rollouts: number; revisions: number; first: number | null }>(
      `SELECT count(DISTINCT o.id)::int AS rollouts, count(r.id)::int AS revisions,
              extract(epoch FROM min(o.created_at)) * 1000 AS first
         FROM rollouts o LEFT JOIN config_revisions r ON r.rollout_id = o.id
        WHERE o.reason = $1 AND o.created_at >= to_timestamp($2 / 1000.0)`,
      [RESPLIT_REASON, event],
    );
    const { rows: after } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM machines WHERE connection_state <> 'online'`,
    );
    const applied = [...appliedAt.values()].map((t) => t - detected);
    const recording = records.flatMap((r) => {
      const at = appliedAt.get(agents[r[0]]!.machineId);
      return at === undefined ? [] : [at - r[2]];
    });
    const result: Phase = {
      scenario,
      round,
      kind,
      changed: expected.length,
      detectMs: detected - event,
      rolloutMs: ro[0]!.first === null ? Number.NaN : Number(ro[0]!.first) - detected,
      rollouts: ro[0]!.rollouts,
      revisions: ro[0]!.revisions,
      received: summarize(records.map((r: LimitRecord) => r[1] - detected)),
      agentWork: summarize(records.map((r) => r[2] - r[1])),
      recording: summarize(recording),
      applied: summarize(applied),
      allDoneMs: Math.max(...applied),
      allDoneFromEventMs: Math.max(...applied) + (detected - event),
      missing: Math.max(missing.length, ids.length - appliedAt.size),
      // The victim itself is the one expected change of state.
      flapped: Math.max(0, after[0]!.n - before[0]!.n - (kind === 'loss' ? 1 : -1)),
      cpu,
      wallMs,
      api: stats,
      ...(profileFile && {
        profile: {
          file: profileFile,
          summary: summarizeProfile(JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile, INCLUSIVE),
        },
      }),
    };
    current = next;
    log(
      `N=${n} ${scenario} ${round} ${kind}: detected after ${ms(result.detectMs)}; ${result.changed} changed; ` +
        `applied p50 ${ms(result.applied.p50)} p99 ${ms(result.applied.p99)} all ${ms(result.allDoneMs)} from the ` +
        `detection (${ms(result.allDoneFromEventMs)} from the event); ${result.rollouts} rollouts` +
        (result.missing ? `; ${result.missing} missing` : '') +
        (result.flapped ? `; ${result.flapped} other machines went offline` : ''),
    );
    await waitSettled(60_000 + n * 20);
    return result;
  };

  const loss = (scenario: Scenario) => async () => {
    const at = now();
    victimWorker!.kill(scenario === 'stop' ? 'SIGKILL' : 'SIGSTOP');
    return at;
  };
  const back = (scenario: Scenario) => async () => {
    if (scenario === 'freeze') {
      const at = now();
      victimWorker!.kill('SIGCONT');
      return at;
    }
    // A fresh process for the same agent: the event is when the started process begins to connect.
    await new Promise<void>((resolve) => {
      if (victimWorker!.exitCode !== null || victimWorker!.signalCode !== null) resolve();
      else victimWorker!.once('exit', () => resolve());
    });
    const fresh = forkTs('config-push-agents.ts', {});
    victimWorker = fresh;
    await nextMessage<WorkerReply, 'ready'>(fresh, 'ready', 120_000);
    const at = now();
    fresh.send({
      type: 'start',
      server: api.url,
      root,
      agents: [victim],
      concurrency: 1,
    } satisfies WorkerRequest);
    void nextMessage<WorkerReply, 'started'>(fresh, 'started', 10 * 60_000).catch(() => {});
    return at;
  };

  for (const scenario of opts.scenarios) {
    for (let round = 1; round <= opts.rounds; round++) {
      phases.push(await phase(scenario, round, 'loss', loss(scenario)));
      phases.push(await phase(scenario, round, 'back', back(scenario)));
    }
  }
  const missed = phases.some((p) => p.missing > 0 || !(p.allDoneMs <= 3 * opts.heartbeatMs));
  if (opts.profile || missed) {
    const file = (kind: string) => path.join(os.tmpdir(), `paddock-budget-resplit-${n}-${kind}.cpuprofile`);
    log(`N=${n}: one more stop round under the CPU profiler${missed ? ' (a target was missed)' : ''}`);
    phases.push(await phase('stop', 0, 'loss', loss('stop'), file('loss')));
    phases.push(await phase('stop', 0, 'back', back('stop'), file('back')));
  }

  const agentLogs: LogCounts = { warn: 0, error: 0, byMessage: {}, first: [] };
  let disconnects = 0;
  for (const w of [...workers, victimWorker!]) {
    w.send({ type: 'collect', revision: -1 } satisfies WorkerRequest);
    const l = await nextMessage<WorkerReply, 'log'>(w, 'log');
    mergeLogs(agentLogs, l.logs);
    disconnects += l.disconnects;
  }
  return { n, budget, workers: workerCount, connectMs, settleMs, rssIdle, phases, agentLogs, disconnects };
}

/**
 * Functions whose inclusive CPU time is reported from the profile: the steps of a re-split in the API. (Not the
 * service's own async methods: their work runs in continuations whose stacks no longer show them.)
 */
const INCLUSIVE: Record<string, (f: { functionName: string; url: string }) => boolean> = {
  'Prisma client (query building, result mapping)': (f) => /@prisma\/client/.test(f.url),
  'pg driver (protocol, parsing)': (f) => /\/(pg|pg-protocol|pg-pool)\//.test(f.url),
  'runner-config (render)': (f) => f.url.includes('packages/runner-config/'),
  'agent frames (AgentSession.onFrame: decode, zod parse)': (f) =>
    f.functionName === 'onFrame' && f.url.includes('agent-gateway/session'),
  'ws (frames in and out)': (f) => /\/ws\/lib\//.test(f.url),
  'pino logging': (f) => /\/pino\//.test(f.url),
  'garbage collection': (f) => f.functionName === '(garbage collector)',
};

// ---------------------------------------------------------------------------------------------------------------
// the section

const sec = (v: number) => `${(v / 1000).toFixed(2)} s`;
const n0 = (v: number) => v.toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};
const timerText = (x: Timer | undefined) => (x?.calls ? `${n0(x.calls)}× ${ms(x.totalMs)}` : '—');

function phaseRow(r: FleetRun, p: Phase, targetMs: number): string {
  const label = p.round === 0 ? `${p.scenario} (profiled)` : `${p.scenario} ${p.round}`;
  return (
    `| ${n0(r.n)} | ${label} | ${p.kind} | ${ms(p.detectMs)} | ${ms(p.rolloutMs)} | ${n0(p.changed)} | ` +
    `${n0(p.rollouts)} / ${n0(p.revisions)} | ${ms(p.received.p99)} | ${ms(p.applied.p50)} | ${ms(p.applied.p99)} | ` +
    `**${ms(p.allDoneMs)}** | ${ms(p.allDoneFromEventMs)} | ${p.missing ? `**${n0(p.missing)}**` : '0'} | ` +
    `${p.flapped ? `**${n0(p.flapped)}**` : '0'} | ${verdict(p.missing === 0 && p.allDoneMs <= targetMs)} | ` +
    `${sec(p.cpu.api)} / ${sec(p.cpu.postgres)} / ${sec(p.cpu.agents)} / ${sec(p.cpu.other)} |`
  );
}

function report(results: FleetRun[], run: RunInfo): string {
  const ok = results.filter((r) => !r.error);
  const targetMs = 3 * run.heartbeatMs;
  const measured = (r: FleetRun) => r.phases.filter((p) => p.round > 0);
  const targets = ok.flatMap((r) =>
    (['stop', 'freeze'] as const).flatMap((scenario) =>
      (['loss', 'back'] as const).flatMap((kind) => {
        const ps = measured(r).filter((p) => p.scenario === scenario && p.kind === kind);
        if (!ps.length) return [];
        const worst = Math.max(...ps.map((p) => p.allDoneMs));
        const fromEvent = Math.max(...ps.map((p) => p.allDoneFromEventMs));
        const lost = ps.reduce((s, p) => s + p.missing, 0);
        return [
          `- ${n0(r.n)} agents, ${scenario}, ${kind === 'loss' ? 'machine lost' : 'machine back'}: all ${n0(ps[0]!.changed)} changed machines applied within ${sec(targetMs)} of the detection: ${verdict(lost === 0 && worst <= targetMs)} — worst round ${ms(worst)} after the detection (${ms(fromEvent)} after the ${kind === 'loss' ? (scenario === 'stop' ? 'kill' : 'freeze') : scenario === 'stop' ? 'restart' : 'SIGCONT'}; detection ${ps.map((p) => ms(p.detectMs)).join(', ')})${lost ? `; ${n0(lost)} never applied` : ''}`,
        ];
      }),
    ),
  );
  for (const r of ok) {
    const ps = measured(r);
    const apiWorst = Math.max(...ps.map((p) => p.received.max));
    targets.push(
      `- ${n0(r.n)} agents, the API's part alone (detection → the last changed machine's apply frame parsed by its agent, before any agent work): worst round ${ms(apiWorst)}, ${apiWorst <= targetMs ? 'within' : '**beyond**'} the ${sec(targetMs)}`,
    );
  }
  const failed = results.filter((r) => r.error).map((r) => `- N=${n0(r.n)} did not complete: ${r.error}`);
  const findings = ok.flatMap((r) => {
    const missed = measured(r).filter((p) => p.missing > 0 || !(p.allDoneMs <= targetMs));
    if (!missed.length) return [];
    const worst = missed.reduce((a, b) => (b.allDoneMs > a.allDoneMs ? b : a));
    const agentShare = worst.cpu.agents / worst.wallMs;
    const otherShare = worst.cpu.other / worst.wallMs;
    return [
      `**${n0(r.n)} agents: ${missed.length} of ${measured(r).length} phases missed the target.** In the worst
(${worst.scenario} ${worst.round}, ${worst.kind}: all applied ${ms(worst.allDoneMs)} after the detection) the API had sent every
changed machine its frame after ${ms(worst.received.max)}; then each agent took p50 ${ms(worst.agentWork.p50)}, p99
${ms(worst.agentWork.p99)} from frame to answer, and the API stamped the answers p99 ${ms(worst.recording.p99)} after they were
ready. The agents' part is the bench's, not a fleet's: ${n0(r.n - 1)} agents share ${r.workers === 1 ? 'one worker process' : `${r.workers} worker processes`}, so their
applies queue behind each other (${sec(worst.cpu.agents)} of agent CPU in ${sec(worst.wallMs)}, ${(agentShare * 100).toFixed(0)} % of a core),
on two cores that other processes used ${(otherShare * 100).toFixed(0)} % of a core of meanwhile; on real hosts every agent applies on its own.
The API spent ${sec(worst.cpu.api)} of CPU and Postgres ${sec(worst.cpu.postgres)} in that phase; \`rebalance\` took
${timerText(worst.api.revisions.rebalance)}, of which its \`sync\` (one transaction writing ${n0(worst.revisions)} revisions) ${timerText(worst.api.revisions.sync)}.`,
    ];
  });
  const freezeDetect = ok.flatMap((r) =>
    measured(r)
      .filter((p) => p.scenario === 'freeze' && p.kind === 'loss')
      .map((p) => p.detectMs),
  );
  const busy = run.load.max > 2;

  const where = ok.map((r) => {
    const ps = measured(r);
    const pick = (scenario: Scenario, kind: 'loss' | 'back') => {
      const list = ps.filter((p) => p.scenario === scenario && p.kind === kind);
      return list.find((p) => p.allDoneMs === median(list.map((x) => x.allDoneMs))) ?? list[0];
    };
    return (['stop', 'freeze'] as const)
      .flatMap((scenario) => [pick(scenario, 'loss'), pick(scenario, 'back')])
      .filter((p): p is Phase => !!p)
      .map((p) => {
        const s = p.api;
        const rb = s.revisions.rebalance;
        return `| ${n0(r.n)} | ${p.scenario} ${p.round} ${p.kind} | detected → rollout created ${ms(p.rolloutMs)}; \`rebalance\` ${timerText(rb)} (its \`sync\` ${timerText(s.revisions.sync)}); **the API's part**, detection → apply frame parsed by the agent: p50 ${ms(p.received.p50)}, p99 ${ms(p.received.p99)}; **the agents' part**, frame → answer ready: p50 ${ms(p.agentWork.p50)}, p99 ${ms(p.agentWork.p99)}; answer → stamped applied: p50 ${ms(p.recording.p50)}, p99 ${ms(p.recording.p99)}; all applied ${ms(p.allDoneMs)}; ${n0(s.queries.total)} statements, longest pool queue ${n0(s.maxPoolWaiting)}; CPU API ${sec(p.cpu.api)}, Postgres ${sec(p.cpu.postgres)}, agents ${sec(p.cpu.agents)}, others ${sec(p.cpu.other)} in ${sec(p.wallMs)} |`;
      });
  });

  const profiled = ok.flatMap((r) => r.phases.filter((p) => p.profile).map((p) => ({ r, p })));
  const profileText = profiled.length
    ? `\n\n### CPU profiles (one more stop round, loss and back)\n\n${profiled
        .map(({ r, p }) => {
          const s = p.profile!.summary;
          const known = new Set(Object.keys(INCLUSIVE));
          return `- ${n0(r.n)} agents, ${p.kind} (\`${p.profile!.file}\`, ${sec(s.totalMs)} from the event to the last recorded answer, the API idle ${(((s.areas.find((a) => a.area === 'idle')?.ms ?? 0) / s.totalMs) * 100).toFixed(0)} % of it): self time by area ${s.areas
            .filter((a) => a.area !== 'idle')
            .slice(0, 6)
            .map((a) => `${a.area} ${a.ms.toFixed(0)} ms`)
            .join(', ')}; under ${s.inclusive
            .filter((x) => x.ms > 0 && known.has(x.label))
            .map((x) => `${x.label} ${x.ms.toFixed(0)} ms`)
            .join(', ')}.`;
        })
        .join('\n')}`
    : '';

  const logs = ok
    .map((r) => {
      const api: LogCounts = { warn: 0, error: 0, byMessage: {}, first: [] };
      for (const p of r.phases) mergeLogs(api, p.api.logs);
      const top = (l: LogCounts) =>
        Object.entries(l.byMessage)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([k, v]) => `${n0(v)}× \`${k.replace(/`/g, "'").replace(/\|/g, '/')}\``)
          .join('; ');
      return `- ${n0(r.n)} agents: API ${n0(api.warn)} warnings, ${n0(api.error)} errors${top(api) ? ` — ${top(api)}` : ''}; agents ${n0(r.agentLogs.warn)} warnings, ${n0(r.agentLogs.error)} errors, ${n0(r.disconnects)} disconnects${top(r.agentLogs) ? ` — ${top(r.agentLogs)}` : ''}`;
    })
    .join('\n');

  return `## Fleet-budget re-split after a machine loss

Command: \`${run.command}\` · ${run.date} · commit ${run.commit} · ${run.machine}

Load: \`${run.uptimeStart}\` at the start, \`${run.uptimeEnd}\` at the end; 1-minute load average at most
${run.load.max.toFixed(2)} during the run${busy ? ' — **above 2 on this 2-core machine: other work shared the cores throughout, so the times are upper bounds**' : ''}.

**Setup.** Per N, a fresh database with N machines seeded as a fleet that has been up a while (online, with the
CPU count their agents report, so all have the same capacity) and one docker runner assigned to all of them, its
token in \`fleet_budget\` mode with ${run.budget}. The real API in a child process (lib/config-push-api.ts: pool of
20, Postgres event bus), \`PADDOCK_AGENT_HEARTBEAT_MS=${run.heartbeatMs}\`; N real agents in worker processes on tmpfs (as in the
config-push section, but pinging and sending a status every heartbeat), the victim alone in a worker of its own.
Before the first round every agent runs the first split and the API is quiet. Each round takes the victim away and
brings it back:

- **stop**: SIGKILL of the victim's process. The kernel closes its socket and the API hears of it at once. Back: a
  fresh process starts the same agent (same directory and credential); the event is when it begins to connect.
- **freeze**: SIGSTOP, a hung host: the socket stays open, nothing answers. The API pings each agent every
  interval and drops a connection whose ping went unanswered for a whole interval, so the loss is found one to two
  intervals after the freeze${freezeDetect.length ? ` (here ${freezeDetect.map((v) => ms(v)).join(', ')})` : ''}. Back: SIGCONT; the agent finds its connection closed and reconnects after its backoff
  (full jitter, under 0.5 s for a first retry).

**Clocks** (one host, one clock). *Event*: the kill, SIGSTOP, restart or SIGCONT. *Detected*: the first of the
bench's polls of the database, every 10 ms, that finds the victim's \`connection_state\` changed, i.e. the API has
recorded it offline (or online again). *Applied*: when the API stamped each re-split revision applied
(\`config_revisions.applied_at\`). **Target: every machine whose share changed runs its new share within three
heartbeat intervals (${sec(targetMs)}) of the detection** — "pushed within three heartbeat intervals" once the machine
is known to be lost (or back). The column "from the event" adds the detection time; for a freeze that is one to
two intervals by design, for a stop a few milliseconds.

| agents | round | phase | event → detected | detected → rollout | machines changed | rollouts / revisions | frame parsed p99 | applied p50 | applied p99 | **all applied (from detection)** | all applied (from the event) | never applied | other machines offline | target | CPU API / PG / agents (victim aside) / others |
| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |
${ok.flatMap((r) => r.phases.map((p) => phaseRow(r, p, targetMs))).join('\n')}

Latencies after "event → detected" are from the detection. "Other machines offline": machines besides the victim
that the API marked offline during the phase (a missed heartbeat under load would re-split again).

| agents | connecting all | first split settled | API RSS, idle |
| ---: | ---: | ---: | ---: |
${ok.map((r) => `| ${n0(r.n)} | ${sec(r.connectMs)} | ${sec(r.settleMs)} | ${mib(r.rssIdle)} |`).join('\n')}

### Targets

${[...targets, ...failed].join('\n')}

${findings.length ? `### Findings\n\n${findings.join('\n\n')}\n\n` : ''}### Where the time goes (median round of each scenario and phase)

| agents | phase | figures |
| ---: | --- | --- |
${where.flat().join('\n')}${profileText}

Warnings and errors logged:
${logs}`;
}

// ---------------------------------------------------------------------------------------------------------------

const RESULTS_JSON = path.join(os.tmpdir(), 'paddock-budget-resplit-results.json');

interface SavedRun {
  results: FleetRun[];
  run: RunInfo;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.fromJson) {
    const saved = JSON.parse(readFileSync(opts.fromJson, 'utf8'), (_k, v: unknown) =>
      v === null ? Number.NaN : v,
    ) as SavedRun;
    writeSection('budget-resplit', report(saved.results, saved.run));
    log(`section rewritten from ${opts.fromJson}`);
    return;
  }
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const command = `npx pnpm --filter @paddock/bench budget-resplit -- ${args.join(' ')}`.trim();
  const uptimeStart = uptime();
  log(`uptime: ${uptimeStart}`);
  const load = loadSampler();
  const results: FleetRun[] = [];
  for (const n of opts.agents) {
    const cleanup: Array<() => Promise<void>> = [];
    const stopOnSignal = () => {
      void (async () => {
        for (const step of [...cleanup].reverse()) await step().catch(() => {});
        process.exit(130);
      })();
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    try {
      results.push(await runFleet(n, opts, cleanup));
    } catch (err) {
      log(`N=${n} failed: ${err instanceof Error ? err.stack : String(err)}`);
      results.push({ n, error: err instanceof Error ? err.message : String(err) } as FleetRun);
    } finally {
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      log(`N=${n}: cleaning up`);
      for (const step of [...cleanup].reverse()) {
        await step().catch((err: unknown) => log(`cleanup step failed: ${String(err)}`));
      }
    }
  }
  const uptimeEnd = uptime();
  log(`uptime: ${uptimeEnd}`);
  const run: RunInfo = {
    command,
    date: new Date().toISOString(),
    machine: machineDescription(),
    commit: commitOfCheckout(),
    heartbeatMs: opts.heartbeatMs,
    rounds: opts.rounds,
    budget: opts.budget
      ? `a budget of ${n0(opts.budget)} jobs`
      : 'a budget of N·(N−1) jobs, so that every remaining machine’s share changes (N−1 each with all N healthy, N each without the victim: the largest re-split one lost machine can cause; above the 10,000 the REST API accepts, so written into the database directly — nothing on the revision path depends on its size)',
    uptimeStart,
    uptimeEnd,
    load: load.stop(),
  };
  if (opts.write) {
    writeFileSync(RESULTS_JSON, JSON.stringify({ results, run } satisfies SavedRun));
    writeSection('budget-resplit', report(results, run));
    log(`written to bench/RESULTS.md (raw results: ${RESULTS_JSON}, rewrite with --from-json)`);
  } else log('RESULTS.md and the raw results file left as they were (--no-write)');
  process.exit(results.some((r) => r.error) ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
