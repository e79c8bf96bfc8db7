/**
 * The config-push-replicas section of RESULTS.md: the same push as the config-push section, with the agents split
 * across several API replicas on one database and the PATCH sent to the first. Its own section, so that the
 * single-replica section keeps its format and its figures.
 */
import {
  allPushes,
  code,
  kib,
  logLines,
  medianPush,
  n0,
  sec,
  sumLogs,
  verdict,
  type FleetResult,
  type PushResult,
  type RunInfo,
} from './config-push-report.js';
import type { ProfileSummary } from './cpuprofile.js';
import { mib } from './proc.js';
import { ms, type LatencySummary } from './stats.js';

const slash = (values: string[]) => values.join(' / ');
const replicaNames = (count: number) => slash(Array.from({ length: count }, (_, r) => `${r + 1}`));

function pushRow(r: FleetResult, p: PushResult): string {
  const l = p.applied;
  const by = p.byReplica ?? [];
  const cpu = p.cpu;
  return (
    `| ${n0(r.n)} | ${p.label} | ${ms(p.responseMs)} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ` +
    `${ms(p.allDoneMs)} | ${p.missing ? `**${n0(p.missing)}**` : '0'} | ${slash(by.map((x) => ms(x.applied.p99)))} | ` +
    `${slash(by.map((x) => ms(x.received.p99)))} | ` +
    `${slash((cpu.apiByReplica ?? [cpu.api]).map(sec))} / ${sec(cpu.postgres)} / ${sec(cpu.agents)} / ${sec(cpu.other)} | ` +
    `${slash(by.map((x) => mib(x.peakRss)))} |`
  );
}

const d = (s: LatencySummary) => `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}`;

/** What the run shows about the second replica's part, each paragraph only when the figures support it. */
function findings(ok: FleetResult[]): string[] {
  const out: string[] = [];
  for (const r of ok) {
    const real = medianPush(r);
    const inst = medianPush(r, true);
    const by = (inst ?? real)?.byReplica;
    if (!real?.byReplica || !by || by.length < 2) continue;
    const [first, second] = [by[0]!, by[1]!];
    const gap = second.received.p50 - first.received.p50;
    out.push(
      `**${n0(r.n)} agents: the second replica's agents hear of the rollout ${gap >= 0 ? `${ms(gap)} later` : `${ms(-gap)} earlier`}
(median, ${inst ? 'instant push, i.e. the API and transport alone' : 'real agents'})** — PATCH → apply frame parsed:
${d(first.received)} on the replica that took the PATCH, ${d(second.received)} on the other, which learns of the
rollout from one NOTIFY and reads its machines and desired revisions itself.${
        gap < 0
          ? ' The NOTIFY hop is not what costs: the replica that took the PATCH sends its own agents their' +
            ' frames from what it rendered, in slices between which it also answers the request and reads' +
            " agents' answers, while the other replica has nothing else to do."
          : ''
      } With real agents (the median push):
applied ${d(real.byReplica[0]!.applied)} for the first replica's agents, ${d(real.byReplica[1]!.applied)} for the
second's; CPU over that push ${slash((real.cpu.apiByReplica ?? []).map(sec))} (replicas) against
${sec(real.cpu.agents)} for the agents and ${sec(real.cpu.postgres)} for Postgres.`,
    );
  }
  const prof = [...ok].reverse().find((r) => r.profile?.restByReplica);
  const rest = prof?.profile?.restByReplica;
  if (prof?.profile && rest) {
    const idle = (p: ProfileSummary) => (p.areas.find((a) => a.area === 'idle')?.ms ?? 0) / p.totalMs;
    const push = prof.profile.push;
    out.push(
      `**The replicas wait; the agents and the rest of the machine do not.** From the response to the last answer of
the profiled push at ${n0(prof.n)} (${sec(rest[0]!.totalMs)}), the replicas were idle ${rest.map((p) => `${(idle(p) * 100).toFixed(0)} %`).join(' and ')}
of the time, while the agents used ${sec(push.cpu.agents)} of CPU and other processes ${sec(push.cpu.other)} over the whole push
(${sec(push.wallMs)} wall, 2 cores). Here the latency is set by the agents sharing the API's cores, as in the
single-replica section; the instant push is the API's own part.`,
    );
    const top = (p: ProfileSummary) =>
      p.areas
        .filter((a) => a.area !== 'idle')
        .slice(0, 5)
        .map((a) => `${a.area} ${a.ms.toFixed(0)} ms`)
        .join(', ');
    out.push(
      `**Where each replica's time goes** (profiled push at ${n0(prof.n)}, response → last answer, self time by
area, idle left out): ${rest.map((p, i) => `replica ${i + 1} (\`${p.file}\`): ${top(p)}`).join('; ')}.`,
    );
  }
  return out;
}

export function replicasReport(results: FleetResult[], run: RunInfo): string {
  const ok = results.filter((r) => !r.error);
  const replicas = run.replicas ?? 1;
  const names = replicaNames(replicas);
  const failed = results.filter((r) => r.error).map((r) => `- N=${n0(r.n)} did not complete: ${r.error}`);
  const complete = (r: FleetResult) => r.pushes.every((p) => p.missing === 0);
  const targets: string[] = [];
  for (const r of ok) {
    const p = medianPush(r)!;
    const pushes = (f: (x: PushResult) => number) => r.pushes.map((x) => ms(f(x))).join(', ');
    if (r.n === 1000) {
      targets.push(
        `- 1,000 agents, p99 < 150 ms: ${verdict(p.applied.p99 < 150 && complete(r))} — median push p99 ${ms(p.applied.p99)} (pushes: ${pushes((x) => x.applied.p99)})`,
        `- 1,000 agents, all done < 250 ms: ${verdict(p.allDoneMs < 250 && complete(r))} — median push ${ms(p.allDoneMs)} (pushes: ${pushes((x) => x.allDoneMs)})`,
      );
    } else if (r.n === 10_000) {
      targets.push(
        `- 10,000 agents, p99 < 1 s: ${verdict(p.applied.p99 < 1000 && complete(r))} — median push p99 ${ms(p.applied.p99)} (pushes: ${pushes((x) => x.applied.p99)})`,
      );
    } else {
      targets.push(
        `- ${n0(r.n)} agents (no target of its own): median push p99 ${ms(p.applied.p99)}, all done ${ms(p.allDoneMs)}`,
      );
    }
  }
  const load = run.load;
  const loadText = load
    ? `1-minute load average ${load.start.toFixed(2)} at the start, ${load.max.toFixed(2)} at most, ${load.end.toFixed(2)} at the end${
        load.max > 2
          ? ` — **above 2 during the run** on a 2-core machine: other work shared the cores, so the latencies are upper bounds`
          : ''
      }`
    : 'load average not recorded';

  return `## Config push through ${replicas} API replicas (agents split across them)

Command: \`${run.command}\` · ${run.date} · commit ${run.commit} · ${run.machine} · ${loadText}

**Setup.** As in the config-push section (fresh database per N with N machines and one runner assigned to all,
real agents in worker processes on tmpfs, heartbeat ${run.heartbeatMs / 1000} s), but ${replicas} API processes, each the real
app wired as \`server.ts\` wires it (pool of 20, its own LISTEN connection of the Postgres event bus), all on the
one database. Each agent worker connects all its agents to one replica, worker *k* to replica *k* mod ${replicas}, so the
agents are split evenly (${ok.map((r) => `${n0(r.n)}: ${slash((r.replicas ?? []).map((x) => n0(x.sessions)))} sessions`).join('; ')}). The PATCH
goes to replica 1: it commits the rollout, sends its own agents the revisions it rendered, and announces the rollout
with one NOTIFY (\`rollout.created\`, ids only); the other replica reads the machines of the rollout that are
connected to it and sends their revisions.

**Measure.** As in the config-push section: per agent, from just before the PATCH is sent to the moment the API
that holds the agent's socket stamps its \`applied\` (\`config_revisions.applied_at\`; one host, one clock). One
warm-up push, ${run.pushes} measured push${run.pushes === 1 ? '' : 'es'} (targets use the median p99), ${run.instantPushes} instant push${run.instantPushes === 1 ? '' : 'es'} (agents answer
as soon as the frame is parsed) and, unless \`--no-profile\`, one push under the CPU profiler. Columns by replica are
ordered replica ${names}. Compare the replicas within this section: the config-push section was measured at another
time, under another load.

| agents | push | PATCH response | p50 | p95 | p99 | all done | never recorded | p99 by replica of the agent | PATCH → frame parsed, p99 by replica | CPU API ${names} / PG / agents / others | peak RSS ${names} |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |
${ok.flatMap((r) => allPushes(r).map((p) => pushRow(r, p))).join('\n')}

Each replica while the agents are connected and idle (after every hello and first status), and after the pushes:

| agents | replica | sessions | RSS, no agent | peak while connecting | RSS idle | after a full GC: RSS / heap used | RSS per idle session | after the pushes and a full GC |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${ok
  .flatMap((r) =>
    (r.replicas ?? []).map(
      (x, i) =>
        `| ${n0(r.n)} | ${i + 1} | ${n0(x.sessions)} | ${mib(x.rssBase)} | ${mib(x.rssConnectPeak)} | ${mib(x.rssIdle)} | ${mib(x.rssIdleAfterGc)} / ${mib(x.idleMemory.heapUsed)} | ${x.sessions ? kib((x.rssIdle - x.rssBase) / x.sessions) : '—'} | ${mib(x.rssAfter)} |`,
    ),
  )
  .join('\n')}

### Targets (those of the single-replica push, issue 4, point 11)

${[...targets, ...failed].join('\n')}

### Findings

${findings(ok).join('\n\n') || 'Nothing beyond the tables.'}

Warnings and errors logged during the pushes, by replica and by the agents:
${ok
  .map((r) =>
    [
      ...Array.from({ length: replicas }, (_, i) =>
        logLines(
          `API replica ${i + 1}, ${n0(r.n)} agents`,
          sumLogs(allPushes(r).map((p) => ({ ...p, api: p.byReplica?.[i]?.api ?? p.api }))),
        ),
      ),
      logLines(`agents, ${n0(r.n)} (${r.disconnects} disconnects)`, r.agentLogs),
    ].join('\n'),
  )
  .join(
    '\n',
  )}${ok.some((r) => r.profile?.restByReplica) ? '' : `\n\nNo profile was taken (${code('--no-profile')}).`}`;
}
