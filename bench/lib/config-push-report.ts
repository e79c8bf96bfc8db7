/**
 * The config-push section of RESULTS.md: the figures, the targets, where the time goes, and the findings the
 * figures support (each finding is written only when the run shows it, so a rerun after a fix does not repeat
 * it).
 */
import type { ApiStats, Tally, Timer } from './config-push-api.js';
import type { LoadFigures } from './config-push-fleet.js';
import type { ProfileSummary } from './cpuprofile.js';
import type { LogCounts } from './log-counts.js';
import { mib } from './proc.js';
import { ms, type LatencySummary } from './stats.js';

/** CPU time used over an interval by each party; `other` is the rest of the machine (other people's work). */
export interface Cpu {
  /** all API replicas together */
  api: number;
  postgres: number;
  agents: number;
  other: number;
  machine: number;
  /** per API replica, when there are several */
  apiByReplica?: number[];
}

export interface PushResult {
  label: string;
  /** agents answered at once, without writing (API and transport only) */
  instant: boolean;
  revision: number;
  responseMs: number;
  /** per agent: PATCH sent → the API recorded `applied` (config_revisions.applied_at) */
  applied: LatencySummary;
  allDoneMs: number;
  /** revisions of the rollout never recorded as applied */
  missing: number;
  /** agents that never answered (within the push's time limit) */
  unanswered: number;
  /** per agent: PATCH sent → the apply frame reached the agent's session */
  received: LatencySummary;
  /** per agent: frame received → answer ready (config.toml written, its previous file kept, the agent's state written) */
  agentWrite: LatencySummary;
  /** per agent: PATCH sent → answer ready at the agent (complete even when the API loses answers) */
  answered: LatencySummary;
  /** per agent: answer ready → recorded by the API */
  recording: LatencySummary;
  wallMs: number;
  cpu: Cpu;
  apiPeakRss: number;
  api: ApiStats;
  /** with several API replicas: the agents connected to each, and each replica's own figures */
  byReplica?: Array<{
    applied: LatencySummary;
    received: LatencySummary;
    peakRss: number;
    api: ApiStats;
  }>;
}

/** One API replica of a run with several: its agents and its memory. */
export interface ReplicaIdle {
  pid: number;
  /** agents connected to it */
  agents: number;
  sessions: number;
  rssBase: number;
  rssIdle: number;
  rssIdleAfterGc: number;
  rssConnectPeak: number;
  idleMemory: NodeJS.MemoryUsage;
  rssAfter: number;
  memoryAfter?: NodeJS.MemoryUsage;
}

export interface FleetResult {
  n: number;
  workers: number;
  connectMs: number;
  rssBase: number;
  rssIdle: number;
  rssIdleAfterGc: number;
  /** the API's VmHWM from its start to the end of the connection phase */
  rssConnectPeak: number;
  /** process.memoryUsage() of the API, idle, after a full GC */
  idleMemory: NodeJS.MemoryUsage;
  rssAfter: number;
  /** after the pushes and a full GC */
  memoryAfter?: NodeJS.MemoryUsage;
  warmup: PushResult;
  pushes: PushResult[];
  instantPushes: PushResult[];
  /**
   * The rollout's INSERT of N revision rows, explained with ANALYZE after the pushes in a transaction that is
   * rolled back: its time and the per-row foreign-key checks Postgres runs as triggers.
   */
  insert?: InsertAnatomy;
  /** the API's CPU profile of one push: from the PATCH to its response, and from there to the last answer */
  profile: {
    patch: ProfileSummary & { file: string };
    rest: ProfileSummary & { file: string };
    push: PushResult;
    /** with several replicas: each replica's profile from the response to the last answer */
    restByReplica?: Array<ProfileSummary & { file: string }>;
  } | null;
  agentLogs: LogCounts;
  /** agent connections that closed during the run */
  disconnects: number;
  /** with several API replicas: each one (the first is also in the fields above) */
  replicas?: ReplicaIdle[];
  error?: string;
}

export interface InsertAnatomy {
  rows: number;
  executionMs: number;
  triggers: Array<{ name: string; ms: number; calls: number }>;
}

export interface DiskResult {
  dir: string;
  fsType: string;
  bytes: number;
  count: number;
  atomic: LatencySummary;
  apply: LatencySummary;
}

export interface RunInfo {
  command: string;
  date: string;
  machine: string;
  commit: string;
  pushes: number;
  instantPushes: number;
  quietWaitS: number;
  heartbeatMs: number;
  /** RSS after importing the API under tsx and compiled, when the compiled app exists */
  loader: { tsx: number; compiled: number } | null;
  /** API replicas (1 when absent: runs recorded before the option) */
  replicas?: number;
  /** the machine's 1-minute load average over the run */
  load?: LoadFigures;
}

export const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
export const sec = (v: number) => `${(v / 1000).toFixed(2)} s`;
export const n0 = (v: number) => v.toLocaleString('en-US');
const cpuCell = (p: PushResult) =>
  `${sec(p.cpu.api)} / ${sec(p.cpu.postgres)} / ${sec(p.cpu.agents)} / ${sec(p.cpu.other)}`;
const timerText = (x: Timer | undefined) =>
  x?.calls ? `${n0(x.calls)} × (mean ${ms(x.totalMs / x.calls)}, max ${ms(x.maxMs)})` : '—';
export const code = (text: string) => `\`${text.replace(/`/g, "'").replace(/\|/g, '/')}\``;

/** The push whose p99 is the median of the measured pushes (of real agents, or of instant answers). */
export function medianPush(r: FleetResult, instant = false): PushResult | undefined {
  const sorted = [...(instant ? r.instantPushes : r.pushes)].sort((a, b) => a.applied.p99 - b.applied.p99);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function allPushes(r: FleetResult): PushResult[] {
  return [r.warmup, ...r.pushes, ...r.instantPushes, ...(r.profile ? [r.profile.push] : [])];
}

function pushRow(r: FleetResult, p: PushResult): string {
  const l = p.applied;
  return (
    `| ${n0(r.n)} | ${p.label} | ${ms(p.responseMs)} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ` +
    `${ms(p.allDoneMs)} | ${p.missing ? `**${n0(p.missing)}**` : '0'} | ${ms(p.answered.p99)} | ${cpuCell(p)} | ` +
    `${mib(p.apiPeakRss)} |`
  );
}

const tallies = (t: Record<string, Tally>, n: number, top = 6) =>
  Object.entries(t)
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, top)
    .map(([k, v]) => `${k} ${n0(v.count)}× ${ms(v.ms)}`)
    .join(', ') || (n ? '—' : '');

function phaseRows(r: FleetResult, instant: boolean): string[] {
  const p = medianPush(r, instant);
  if (!p) return [];
  const a = p.api;
  const who = `${n0(r.n)}${instant ? ' instant' : ''}`;
  const d = (s: LatencySummary) => `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`;
  const inSyncMs = Object.values(a.queries.inSync).reduce((s, t) => s + t.ms, 0);
  const syncMs = a.revisions.sync?.totalMs ?? 0;
  const rows = [
    `| ${who} | PATCH → response: \`revisions.sync\` (its transaction, then NOTIFY) | ${ms(p.responseMs)}; sync ${ms(syncMs)}; the transaction's statements ${ms(inSyncMs)}: ${tallies(a.queries.inSync, 1)}; then ${n0(rolloutNotifies(a).count)} NOTIFYs in ${ms(rolloutNotifies(a).ms)} |`,
    `| ${who} | PATCH → apply frame parsed by the agent (commit, then sent in slices of 1,000 from what the committing replica rendered) | ${d(p.received)} |`,
    ...(instant
      ? []
      : [
          `| ${who} | agent: frame → answer ready (validate, 2 atomic writes on tmpfs) | ${d(p.agentWrite)} |`,
        ]),
    `| ${who} | answer → stamped applied by the API (batched \`markApplied\`) | ${d(p.recording)} (recorded: ${n0(r.n - p.missing)} of ${n0(r.n)}) |`,
    `| ${who} | statements per push (count, summed time) | ${n0(a.queries.total)} = ${(a.queries.total / r.n).toFixed(1)} per agent; ${tallies(a.queries.byKind, 1)}; longest pool queue ${n0(a.maxPoolWaiting)} |`,
    `| ${who} | revisions service calls; renders | ${Object.entries(a.revisions)
      .map(([k, t]) => `${k} ${timerText(t)}`)
      .join(', ')}; renders ${timerText(a.render)} |`,
    `| ${who} | CPU API / Postgres / agents / others over the push | ${cpuCell(p)} in ${sec(p.wallMs)} wall (2 cores) |`,
  ];
  if (!instant && r.insert) {
    const fk = r.insert.triggers.reduce((t, x) => t + x.ms, 0);
    rows.push(
      `| ${who} | the rollout's INSERT of ${n0(r.insert.rows)} revision rows, alone (EXPLAIN ANALYZE, rolled back) | ${ms(r.insert.executionMs)}, of which ${ms(fk)} in Postgres's per-row foreign-key checks: ${r.insert.triggers.map((t) => `${code(t.name)} ${ms(t.ms)} (${n0(t.calls)} calls)`).join(', ')} |`,
    );
  }
  return rows;
}

export function logLines(who: string, logs: LogCounts): string {
  const top = Object.entries(logs.byMessage)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${n0(v)}× ${code(k)}`)
    .join('; ');
  return `- ${who}: ${n0(logs.warn)} warnings, ${n0(logs.error)} errors${top ? ` — ${top}` : ''}`;
}

export function sumLogs(pushes: PushResult[]): LogCounts {
  const out: LogCounts = { warn: 0, error: 0, byMessage: {}, first: [] };
  for (const p of pushes) {
    const l = p.api.logs;
    out.warn += l.warn;
    out.error += l.error;
    for (const [k, v] of Object.entries(l.byMessage)) out.byMessage[k] = (out.byMessage[k] ?? 0) + v;
    for (const f of l.first) if (out.first.length < 3) out.first.push(f);
  }
  return out;
}

/** NOTIFYs announcing the rollout (one event per rollout; earlier versions sent lists of machine ids). */
function rolloutNotifies(a: PushResult['api']): { count: number; ms: number } {
  const topics = ['rollout.created', 'machines.reconcile'];
  return {
    count: topics.reduce((sum, t) => sum + (a.notifies[t] ?? 0), 0),
    ms: topics.reduce((sum, t) => sum + (a.publish[t]?.totalMs ?? 0), 0),
  };
}

/** Self time of the functions whose name matches, in both profiles of the profiled push. */
function profileFunctionMs(r: FleetResult, name: RegExp): number {
  if (!r.profile) return 0;
  return [r.profile.patch, r.profile.rest]
    .flatMap((p) => p.functions)
    .filter((f) => name.test(f.name))
    .reduce((sum, f) => sum + f.ms, 0);
}

/** What the figures show, each paragraph only when this run shows it, with what to change. */
function findings(ok: FleetResult[], disk: DiskResult): string[] {
  const out: string[] = [];
  const largest = ok.at(-1);
  if (!largest) return out;
  const measured = (r: FleetResult) => [r.warmup, ...r.pushes, ...r.instantPushes];

  // 1. `applied` answers lost.
  const lost = ok.filter((r) => measured(r).some((p) => p.missing > 0));
  if (lost.length) {
    const logs = sumLogs(lost.flatMap((r) => allPushes(r)));
    const p2028 = logs.first.some((l) => l.includes('P2028'));
    const touch = logs.byMessage['warn: touch failed'] ?? 0;
    const changedLost = logs.byMessage['warn: could not publish a machine change'] ?? 0;
    const stackMs = profileFunctionMs(largest, /prepare_?[sS]tack_?[tT]race|serializeJSStackFrame/);
    const lostText = lost
      .map(
        (r) =>
          `at ${n0(r.n)} agents, ${measured(r)
            .map((p) => n0(p.missing))
            .join(
              ' / ',
            )} of the ${n0(r.n)} \`applied\` of each push (warm-up / measured / instant) were never recorded`,
      )
      .join('; ');
    out.push(
      `**1. Answers are lost.** ${lostText[0]!.toUpperCase()}${lostText.slice(1)}, although every agent had written its file and answered (column "answered p99"). The API logs
${n0(logs.byMessage['error: failed to handle an agent message'] ?? logs.error)} × \`failed to handle an agent message\`${
        p2028 ? " with Prisma's P2028 (`Unable to start a transaction in the given time`)" : ''
      }. Answers are queued by the gateway (apps/api/src/agent-gateway/store.ts, \`appliedBatch\`) and written in
batches that are retried with a growing pause, so a lost answer means every attempt of its batch failed: the first
errors logged were ${logs.first
        .slice(0, 3)
        .map((l) => `\`${l.slice(0, 160)}\``)
        .join('; ')}.${
        touch || changedLost
          ? ` ${n0(touch)} \`touch\` updates and ${n0(changedLost)} \`machines.changed\` NOTIFYs failed too.`
          : ''
      }${
        stackMs > 100
          ? ` Building the errors' source-mapped stack traces took ${stackMs.toFixed(0)} ms of the profiled push.`
          : ''
      } The latency percentiles above cover only the answers that were recorded.`,
    );
  }

  // 2. The PATCH transaction.
  const rows = ok.map((r) => {
    const p = medianPush(r)!;
    const inSync = Object.entries(p.api.queries.inSync).sort((a, b) => b[1].ms - a[1].ms);
    const stmtMs = inSync.reduce((s, [, t]) => s + t.ms, 0);
    const syncMs = p.api.revisions.sync?.totalMs ?? 0;
    const { ms: notifyMs, count: notifies } = rolloutNotifies(p.api);
    return { r, p, inSync, stmtMs, syncMs, notifyMs, notifies };
  });
  const big = rows.at(-1)!;
  if (big.p.responseMs > 100) {
    const prof = largest.profile?.patch;
    const area = (name: string) => prof?.areas.find((a) => a.area === name)?.ms ?? 0;
    out.push(
      `**2. The PATCH itself takes ${rows.map((x) => `${ms(x.p.responseMs)} at ${n0(x.r.n)}`).join(', ')}**, and no agent
hears of the change before its transaction commits: a machine is only ever sent a revision that is durably recorded.
The replica that commits then sends its own agents what it rendered, without reading it back, while the PATCH is
answered; other replicas read the rollout when its NOTIFY arrives. At
${n0(big.r.n)}, \`revisions.sync\` (apps/api/src/modules/revisions/revisions.service.ts) took ${ms(big.syncMs)}:
${ms(big.stmtMs)} in the ${n0(big.inSync.reduce((s, [, t]) => s + t.count, 0))} statements of its transaction (${big.inSync
        .slice(0, 4)
        .map(([k, t]) => `${k} ${ms(t.ms)}`)
        .join(
          ', ',
        )}), ${ms(big.notifyMs)} for the ${n0(big.notifies)} NOTIFY payloads of machine ids (one statement), and
${ms(Math.max(0, big.syncMs - big.stmtMs - big.notifyMs))} in JavaScript${
        prof
          ? ` (profiled push, PATCH window including the start of the fan-out: Prisma client ${area('Prisma client runtime').toFixed(0)} ms, garbage collection ${area('garbage collection').toFixed(0)} ms, runner-config rendering ${area('runner-config (render)').toFixed(0)} ms)`
          : ''
      }. The reads are flat and each distinct model is rendered once; what is left is Postgres writing N of everything:
one revision row per machine (five indexes and three foreign keys, checked row by row; the model itself is stored once per distinct
model and the rows name it by hash), each machine's desired revision and each assignment's effective limit: the WAL
the commit flushes. Per-machine revision numbers are the data model's promise (rollback, drift and retention work
per machine), so a fleet-wide change writes N rows by design. *Next*, if it must go lower: leave the effective
limits, which only the UI reads, to a statement after the commit.`,
    );
  }

  // 3. Per-answer work.
  const inst = ok.map((r) => ({ r, p: medianPush(r, true) ?? medianPush(r)! })).at(-1)!;
  const perAnswer = inst.p.api.queries.total / inst.r.n;
  if (perAnswer > 3) {
    const a = inst.p.api;
    out.push(
      `**3. Each answer costs about ${perAnswer.toFixed(0)} statements.** In the ${inst.p.label} push at ${n0(inst.r.n)}:
${n0(a.queries.total)} statements, ${n0(a.queries.byKind.BEGIN?.count ?? 0)} transactions, ${n0(
        a.publish['machines.changed']?.calls ?? 0,
      )} \`machines.changed\` publishes and ${n0(a.revisions.renderStored?.calls ?? 0)} reads of desired revisions
(\`renderStored\`) for one rollout. Answers, heartbeats and statuses are meant to be written in batches and state
changes announced every 50 ms (apps/api/src/agent-gateway/gateway.ts and store.ts): a figure this high means some
per-answer path bypasses them. The API spent ${ms(inst.p.cpu.api / inst.r.n)} of CPU per agent in that push.`,
    );
  }

  // 4. One FIFO pool for everything.
  const q = ok.map((r) => ({ r, p: medianPush(r, true) ?? medianPush(r)! })).at(-1)!;
  const removeMs = profileFunctionMs(largest, /^removeWhere /);
  if (q.p.api.maxPoolWaiting > 100) {
    const real = medianPush(q.r)!;
    out.push(
      `**4. The pool queues.** Up to ${n0(q.p.api.maxPoolWaiting)} callers waited for one of the 20 connections at
${n0(q.r.n)} (${q.p.label}): with instant answers the PATCH returned after ${ms(q.p.responseMs)} (real agents:
${ms(real.responseMs)}) and the last apply frame left after ${ms(q.p.received.max)} (real: ${ms(real.received.max)}).${
        removeMs > 100
          ? ` pg-pool drops each waiter that timed out with a linear scan of its queue (\`removeWhere\`, ${removeMs.toFixed(0)} ms in the profiled push).`
          : ''
      } Sending a rollout should not wait behind other work: give its reads a connection of their own.`,
    );
  }

  // 5. The agents on this machine.
  const a = ok.map((r) => ({ r, p: medianPush(r)! })).at(-1)!;
  out.push(
    `**5. The agents' share here.** One apply costs an agent about ${ms(a.p.cpu.agents / a.r.n)} of CPU
(${sec(a.p.cpu.agents)} for ${n0(a.r.n)}: protocol parse, TOML validation, two atomic writes and a hard link with their promise round
trips, the drift check after the rename, logging). In a fleet each host spends that on its own; here all N spend it
on the two cores the API and Postgres need, and queue behind each other (frame → answer). On a real disk one whole
apply takes p50 ${ms(disk.apply.p50)} / p99 ${ms(disk.apply.p99)} (two fsync'd writes): the floor of an agent's share
of the latency in production, instead of the tmpfs figures here. The instant pushes leave it out altogether.`,
  );

  // 6. Memory.
  const prev = ok.at(-2);
  if (largest.n >= 1000 && prev) {
    const per = (largest.rssIdle - prev.rssIdle) / (largest.n - prev.n);
    out.push(
      `**6. Memory.** ${per > 0 ? `Each further idle agent added ${kib(per)} of RSS to the API` : "The API's idle RSS did not grow measurably"} between ${n0(prev.n)} and
${n0(largest.n)} agents (${mib(largest.rssBase)} with none, ${mib(prev.rssIdle)} with ${n0(prev.n)}, ${mib(largest.rssIdle)} with
${n0(largest.n)}; after a full GC, JS heap ${mib(largest.idleMemory.heapUsed)} used of ${mib(largest.idleMemory.heapTotal)}),
against 120 MiB in all for a bare \`ws\` server with 10,000 sockets. Idle RSS moves by tens of MiB from run to run with what
the connection phase left in the heap and the allocator (${mib(largest.rssConnectPeak)} peak while connecting here). During pushes the peak reaches
${mib(Math.max(...allPushes(largest).map((p) => p.apiPeakRss)))}: the rollout's rows, N apply frames in the sockets' send
buffers, and the answers queued for their batches.`,
    );
  }
  return out;
}

function profileText(n: number, p: NonNullable<FleetResult['profile']>): string {
  const table = (a: ProfileSummary) => {
    const rows = Math.max(8, a.inclusive.filter((x) => x.ms > 0).length);
    return Array.from({ length: rows }, (_, i) => {
      const x = a.areas[i];
      const y = a.inclusive.filter((z) => z.ms > 0)[i];
      return `| ${x ? x.area : ''} | ${x ? x.ms.toFixed(0) : ''} | ${y ? y.label : ''} | ${y ? y.ms.toFixed(0) : ''} |`;
    }).join('\n');
  };
  const top = (a: ProfileSummary) =>
    a.functions
      .slice(0, 10)
      .map((f) => `${code(f.name)} ${f.ms.toFixed(0)}`)
      .join(', ');
  return `
CPU profiles of the API process during the profiled push at ${n0(n)} agents (inspector sampling profiler, 0.5 ms;
opened in Chrome DevTools): \`${p.patch.file}\` from sending the PATCH to its response (${ms(p.patch.totalMs)}), and
\`${p.rest.file}\` from there to the last recorded answer (${ms(p.rest.totalMs)}). Self time by area, and time under a
few frames (a sample counts once per line), in ms:

| PATCH → response: area | self | under | total |
| --- | ---: | --- | ---: |
${table(p.patch)}

Top functions, PATCH → response: ${top(p.patch)}.

| response → all answers: area | self | under | total |
| --- | ---: | --- | ---: |
${table(p.rest)}

Top functions, response → all answers: ${top(p.rest)}.`;
}

export function report(results: FleetResult[], disk: DiskResult, run: RunInfo): string {
  const ok = results.filter((r) => !r.error);
  const byN = (n: number) => ok.find((r) => r.n === n);
  const targets: string[] = [];
  const instantNote = (r: FleetResult, f: (p: PushResult) => number) => {
    const p = medianPush(r, true);
    return p ? `; agents answering at once: ${ms(f(p))}` : '';
  };
  const complete = (r: FleetResult) => r.pushes.every((p) => p.missing === 0);
  const r1k = byN(1000);
  if (r1k) {
    const p = medianPush(r1k)!;
    targets.push(
      `- 1,000 agents, p99 < 150 ms: ${verdict(p.applied.p99 < 150 && complete(r1k))} — median push p99 ${ms(p.applied.p99)} (pushes: ${r1k.pushes.map((x) => ms(x.applied.p99)).join(', ')}${instantNote(r1k, (x) => x.applied.p99)})${complete(r1k) ? '' : ', and some answers were never recorded'}`,
      `- 1,000 agents, all done < 250 ms: ${verdict(p.allDoneMs < 250 && complete(r1k))} — median push ${ms(p.allDoneMs)} (pushes: ${r1k.pushes.map((x) => ms(x.allDoneMs)).join(', ')}${instantNote(r1k, (x) => x.allDoneMs)})${complete(r1k) ? '' : '; not all were ever recorded'}`,
    );
  }
  const r10k = byN(10_000);
  if (r10k) {
    const p = medianPush(r10k)!;
    targets.push(
      `- 10,000 agents, p99 < 1 s: ${verdict(p.applied.p99 < 1000 && complete(r10k))} — median push p99 ${ms(p.applied.p99)} (pushes: ${r10k.pushes.map((x) => ms(x.applied.p99)).join(', ')}${instantNote(r10k, (x) => x.applied.p99)})${complete(r10k) ? '' : ', over the answers that were recorded at all'}`,
      `- 10,000 idle agents, API RSS < 512 MiB: ${verdict(r10k.rssIdle < 512 * 2 ** 20)} — ${mib(r10k.rssIdle)} (${mib(r10k.rssIdleAfterGc)} after a full GC)`,
    );
  }
  const failed = results.filter((r) => r.error).map((r) => `- N=${n0(r.n)} did not complete: ${r.error}`);
  const apiSide = ok
    .filter((r) => r.n >= 1000)
    .map((r) => `${ms(medianPush(r)!.received.p99)} at ${n0(r.n)}`);
  if (apiSide.length) {
    targets.push(
      `- The API's part alone, PATCH → apply frame parsed by the agent, before any agent work or answer: p99 ${apiSide.join(', ')}.`,
    );
  }
  // With each agent on a host of its own, an agent's latency is at most the slowest answer of a push whose agents
  // answer at once (the API and the transport) plus the slowest whole apply on a real disk: a bound, not a sample.
  const ownHosts = ok.flatMap((r) => {
    const p = medianPush(r, true);
    if (!p || (r.n !== 1000 && r.n !== 10_000)) return [];
    const bound = p.allDoneMs + disk.apply.max;
    const limit = r.n === 1000 ? 150 : 1000;
    return [
      `${n0(r.n)}: ${ms(bound)} (${ms(p.allDoneMs)} + ${ms(disk.apply.max)}; p99 < ${ms(limit)} ${bound < limit ? 'would hold' : 'would not hold'})`,
    ];
  });
  if (ownHosts.length) {
    targets.push(
      `- Agents on hosts of their own (an upper bound, not a measurement: the slowest answer of the median push whose agents answer at once, plus the slowest whole apply on the real disk below): ${ownHosts.join('; ')}.`,
    );
  }
  const prof = [...ok].reverse().find((r) => r.profile);
  const workers = ok.map((r) => `${r.workers} for ${n0(r.n)}`).join(', ');

  return `## Config push: PATCH a token limit → N agents applied

Command: \`${run.command}\` · ${run.date} · commit ${run.commit} · ${run.machine}

**Setup.** Per N, a fresh database on the local Postgres (15, \`fsync\` on) with N machines, their agent credentials
(SHA-256 in \`agent_credentials\`) and one docker runner with a token assigned to all of them, inserted directly. The
API is the real app (\`buildApp\` + \`listen\`) in a child process of its own, wired as \`server.ts\` wires it for an
external Postgres (pool of 20, LISTEN/NOTIFY event bus, pino at \`info\`, lines counted instead of written),
heartbeat ${run.heartbeatMs / 1000} s so that no ping or status falls into a measurement; being alone in its process, its
RSS and CPU time are its own. N agents run in worker processes (${workers}), each wired as the agent's \`main.ts\`
wires one: credential file, \`.runner_system_id\`, config store over the real filesystem in its own directory on
tmpfs (/dev/shm), drift watcher, session, \`ws\` connection; no gitlab-runner, so no metrics scrape. Everything
shares this machine's two cores, and other people's test runs share them too (column "others").

**Measure.** A push is \`PATCH /api/v1/runners/:id/token\` with a new \`limit\`: one new revision for every machine.
An agent's latency is **from just before the PATCH is sent to the moment the API stamps that agent's \`applied\`**
(\`config_revisions.applied_at\`, taken by the API when the batch statement that records the answer is sent; same
clock, 1 ms resolution). "All done" is the last of them. Per N: one warm-up push (the agents' first config.toml), ${run.pushes}
measured pushes (targets use the one with the median p99), ${run.instantPushes} "instant" push${run.instantPushes === 1 ? '' : 'es'} in which the
agents answer \`applied\` as soon as their connection has parsed the frame, without validating or writing (the API
and the transport alone, like the clients of the bare \`ws\` floor), and one push under the CPU profiler. Before each
push the script waits up to ${run.quietWaitS} s for the rest of the machine to go quiet. CPU is from /proc over the
push: API process / Postgres (this database's backends and the server's own processes) / agent workers / everything
else on the machine. Peak RSS is the API's VmHWM, reset before each push.

| agents | push | PATCH response | p50 | p95 | p99 | all done | never recorded | answered p99 | CPU API / PG / agents / others | API peak RSS |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |
${ok.flatMap((r) => allPushes(r).map((p) => pushRow(r, p))).join('\n')}

The API process while the agents are connected and idle (after every hello and first status):

| agents | connecting all | RSS, no agent | peak while connecting | RSS, N idle agents | added per agent since the row above | after a full GC: RSS / heap used / heap total / external | RSS after the pushes and a full GC |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${ok.map((r, i) => `| ${n0(r.n)} | ${sec(r.connectMs)} | ${mib(r.rssBase)} | ${mib(r.rssConnectPeak)} | ${mib(r.rssIdle)} | ${i ? kib((r.rssIdle - ok[i - 1]!.rssIdle) / (r.n - ok[i - 1]!.n)) : '—'} | ${mib(r.rssIdleAfterGc)} / ${mib(r.idleMemory.heapUsed)} / ${mib(r.idleMemory.heapTotal)} / ${mib(r.idleMemory.external)} | ${mib(r.rssAfter)}${r.memoryAfter ? ` (heap ${mib(r.memoryAfter.heapUsed)} used of ${mib(r.memoryAfter.heapTotal)})` : ''} |`).join('\n')}
${
  run.loader
    ? `
Running from the TypeScript sources under tsx (as here) costs ${mib(run.loader.tsx - run.loader.compiled)} of RSS by
itself: importing \`app.ts\` under tsx leaves ${mib(run.loader.tsx)}, importing the compiled \`dist/app.js\`
${mib(run.loader.compiled)} (fresh process, after a full GC). Production runs the compiled code.`
    : ''
}

### Targets

${[...targets, ...failed].join('\n')}

The floor on this kind of machine, a bare \`ws\` server broadcasting 4 KB to clients that answer at once: p99 ≈ 60 ms
at 1,000, ≈ 450 ms at 10,000, 120 MiB RSS for 10,000 idle sockets.

### Where the time goes (median push of each kind)

| agents | phase | figures |
| ---: | --- | --- |
${ok.flatMap((r) => [...phaseRows(r, false), ...phaseRows(r, true)]).join('\n')}

Warnings and errors logged during the pushes, by message:
${ok.map((r) => [logLines(`API, ${n0(r.n)} agents`, sumLogs(allPushes(r))), logLines(`agents, ${n0(r.n)} (${r.disconnects} disconnects)`, r.agentLogs)].join('\n')).join('\n')}
${prof?.profile ? profileText(prof.n, prof.profile) : ''}

### The agent's atomic write on the real disk

${disk.count} sequential writes of the pushed config.toml (${disk.bytes} bytes) in ${disk.dir} (filesystem magic
${disk.fsType}, not tmpfs) with the agent's \`writeFileAtomic\` (temp file, write, chmod, fsync, close, rename, fsync
of the directory): **p50 ${ms(disk.atomic.p50)}, p99 ${ms(disk.atomic.p99)}**, max ${ms(disk.atomic.max)}. A whole
\`ConfigStore.apply\` as the agent runs it (read, validate, write config.toml keeping the old file as
\`config.toml.paddock-prev\` by a hard link, write \`state.json\` with the applied text: two atomic writes): p50 ${ms(disk.apply.p50)}, p99 ${ms(disk.apply.p99)}, max
${ms(disk.apply.max)}.

### Findings

${findings(ok, disk).join('\n\n')}`;
}
