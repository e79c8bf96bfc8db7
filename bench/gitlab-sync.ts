/**
 * GitLab sync of a large installation: one run of the real sync service against a GitLab with 10,000 runners, on a
 * fresh database (everything is imported), then the next run a minute later (steady state).
 *
 *   npx pnpm --filter @paddock/bench gitlab-sync   (PADDOCK_BENCH_DATABASE_URL to use another server)
 *     [--runners 10000] [--machines 2000] [--groups 20] [--projects-per-group 10] [--watched 50]
 *     [--profile] [--no-write]
 *
 * The GitLab simulator runs in a child process (lib/gitlab-fleet-sim.ts says what it holds). Paddock's database
 * gets `--machines` machines whose system_ids most runner managers use, the connected GitLab and its `--watched`
 * watched projects, nothing else. The app is built in this process the way server.ts builds it for an external
 * Postgres (pool of 20, the default GitLab concurrency of 8, retries, timeouts), with its timers off, and
 * `app.gitlabSync.syncInstance` runs one sync as the periodic worker would. Measured per run: the service's own
 * duration and request count; requests at the simulator by route, with when the first and last of each were
 * answered (the phases); the statements sent to Postgres and the rows they wrote; CPU of this process (the API),
 * the simulator and Postgres; rows in the tables afterwards. Between the two runs a minute's change happens in
 * GitLab: 30 running jobs end (their pipelines queue the next stage) and 10 pending jobs are cancelled.
 * `--profile` samples the API's CPU during each run. `--no-write` leaves RESULTS.md alone.
 *
 * Target (derived; the issue asks only to record): the default sync interval is 60 s
 * (PADDOCK_GITLAB_SYNC_INTERVAL_MS) and the worker waits that long after each run, so data is at most one interval
 * plus one run old. A steady-state run must take under half the interval (30 s), and the first run, which imports
 * everything, under one interval (60 s).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type AppDeps } from '../apps/api/src/app.js';
import { createDatabase } from '../apps/api/src/db/client.js';
import { parseEnv } from '../apps/api/src/env.js';
import { loggerOptions } from '../apps/api/src/lib/logger.js';
import { createSecretBox } from '../apps/api/src/lib/secrets.js';
import type { SyncOutcome } from '../apps/api/src/modules/sync/gitlab-sync.js';
import { createBenchDatabase } from './lib/bench-db.js';
import { summarizeProfile, type CpuProfile } from './lib/cpuprofile.js';
import {
  machineSystemId,
  type FleetShape,
  type FleetSummary,
  type RequestTimes,
  type SimReply,
  type SimRequest,
} from './lib/gitlab-fleet-sim.js';
import { countLog, type LogCounts } from './lib/log-counts.js';
import { loadAverages, loadNote, uptimeLine } from './lib/machine-load.js';
import { tallyStatements, type StatementTally } from './lib/pg-tally.js';
import { cpuMs, machineBusyMs, mib, postgresPids, selfCpuMs } from './lib/proc.js';
import { machineDescription, ms, writeSection } from './lib/stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_INTERVAL_MS = 60_000;
const TARGET_STEADY_MS = DEFAULT_INTERVAL_MS / 2;
const TARGET_FIRST_MS = DEFAULT_INTERVAL_MS;
const CHURN = { finishRunning: 30, cancelPending: 10 };
/** PADDOCK_GITLAB_CONCURRENCY's default, which the app here runs with */
const CONCURRENCY = 8;

type GitlabSyncRun = Extract<SyncOutcome, { status: 'done' }>['run'];

function parseArgs(argv: string[]) {
  const opts = {
    runners: 10_000,
    machines: 2_000,
    groups: 20,
    projectsPerGroup: 10,
    watched: 50,
    profile: false,
    write: true,
  };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const number = () => {
      const v = Number(args[++i]?.replace(/_/g, ''));
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--runners') opts.runners = number();
    else if (a === '--machines') opts.machines = number();
    else if (a === '--groups') opts.groups = number();
    else if (a === '--projects-per-group') opts.projectsPerGroup = number();
    else if (a === '--watched') opts.watched = number();
    else if (a === '--profile') opts.profile = true;
    else if (a === '--no-write') opts.write = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.watched > opts.groups * opts.projectsPerGroup)
    throw new Error('--watched: more than the projects');
  return opts;
}
type Options = ReturnType<typeof parseArgs>;

const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const seconds = (msecs: number) => `${(msecs / 1000).toFixed(2)} s`;
const n = (v: number) => v.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------------------------
// the simulator's process

class SimProcess {
  private constructor(readonly child: ChildProcess) {}

  static async start(): Promise<SimProcess> {
    const child = fork(path.join(here, 'lib/gitlab-fleet-sim.ts'), [], {
      execArgv: ['--conditions=@paddock/source', '--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const sim = new SimProcess(child);
    await sim.next('ready');
    return sim;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private next<T extends SimReply['type']>(
    type: T,
    timeoutMs = 600_000,
  ): Promise<Extract<SimReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`simulator: no ${type} in ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: SimReply) => {
        if (m.type === type) done(null, m as Extract<SimReply, { type: T }>);
        else if (m.type === 'failed') done(new Error(`simulator: ${m.error}`));
      };
      const onExit = (code: number | null) => done(new Error(`simulator exited (${code})`));
      const done = (err: Error | null, m?: Extract<SimReply, { type: T }>) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(m!);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
    });
  }

  async request<T extends SimReply['type']>(
    req: SimRequest,
    type: T,
  ): Promise<Extract<SimReply, { type: T }>> {
    const answer = this.next(type);
    this.child.send(req);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'stop' } satisfies SimRequest);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// one run

interface RunResult {
  label: string;
  run: GitlabSyncRun;
  wallMs: number;
  requests: Record<string, RequestTimes>;
  requestErrors: Record<string, number>;
  statements: Record<string, StatementTally>;
  cpu: { api: number; sim: number; postgres: number; others: number };
  rows: Record<string, number>;
  apiMemory: NodeJS.MemoryUsage;
  logs: LogCounts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const loadBefore = loadAverages();
  const uptimeBefore = uptimeLine();
  log(uptimeBefore);
  const cleanup: Array<() => Promise<unknown>> = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'paddock-gitlab-sync-'));
  cleanup.push(async () => rmSync(tmp, { recursive: true, force: true }));
  try {
    const sim = await SimProcess.start();
    cleanup.push(() => sim.stop());
    const shape: FleetShape = {
      runners: opts.runners,
      machines: opts.machines,
      groups: opts.groups,
      projectsPerGroup: opts.projectsPerGroup,
      watchedProjects: opts.watched,
    };
    const { summary: gitlab } = await sim.request({ type: 'seed', shape }, 'seeded');
    log(
      `GitLab simulator at ${gitlab.url} (pid ${sim.pid}) seeded in ${ms(gitlab.seedMs)}: ${n(gitlab.runners)} runners, ` +
        `${n(gitlab.managers)} managers, ${gitlab.projects} projects, ${n(gitlab.jobs)} jobs`,
    );

    const database = await createBenchDatabase('paddock_bench_sync');
    cleanup.push(() => database.drop());
    const key = randomBytes(32);
    const db = createDatabase({ connectionString: database.url, maxConnections: 20 });
    cleanup.push(() => db.close());
    const secrets = createSecretBox(key);
    const machines = Array.from({ length: opts.machines }, (_, i) => ({
      hostname: `runner-host-${String(i + 1).padStart(5, '0')}`,
      systemId: machineSystemId(i),
      labels: { region: ['eu', 'us', 'ap'][i % 3]!, pool: ['docker', 'k8s'][i % 2]! },
      // No agent is connected here: online machines would be swept offline during the first run.
      connectionState: 'offline' as const,
      lastSeenAt: new Date(Date.now() - 3_600_000),
    }));
    for (let i = 0; i < machines.length; i += 5000)
      await db.prisma.machine.createMany({ data: machines.slice(i, i + 5000) });
    const instance = await db.prisma.gitlabInstance.create({
      data: {
        name: 'simulated GitLab',
        url: gitlab.url,
        accessTokenCiphertext: secrets.encrypt(gitlab.adminToken, 'gitlab-access-token'),
        accessTokenLast4: gitlab.adminToken.slice(-4),
        version: '18.3.0',
      },
    });
    await db.prisma.watchedScope.createMany({
      data: gitlab.watched.map((p) => ({
        gitlabInstanceId: instance.id,
        kind: 'project' as const,
        gitlabId: p.id,
        fullPath: p.path,
      })),
    });
    await db.pool.query('ANALYZE');

    let logs: LogCounts = { warn: 0, error: 0, byMessage: {}, first: [] };
    const levels: Record<number, 'warn' | 'error'> = { 40: 'warn', 50: 'error', 60: 'error' };
    const logger = {
      ...loggerOptions({ level: 'warn', pretty: false }),
      // Counted instead of written, so the terminal shows the benchmark's progress only.
      stream: {
        write(line: string) {
          const level = levels[Number(/"level":(\d+)/.exec(line)?.[1])];
          if (level) countLog(logs, level, line);
        },
      },
    } as unknown as AppDeps['logger'];
    const env = parseEnv({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      PADDOCK_SECRET_KEY: key.toString('hex'),
      PADDOCK_DATA_DIR: tmp,
      PADDOCK_WEB_DIR: path.join(tmp, 'no-web'),
      PADDOCK_DEMO: 'off',
      // One run at a time, started here: no periodic sync, sampling or retention in between.
      PADDOCK_GITLAB_SYNC_INTERVAL_MS: '0',
      PADDOCK_FLEET_SAMPLE_INTERVAL_MS: '0',
      PADDOCK_RETENTION_INTERVAL_MS: '0',
    });
    const tally = tallyStatements(db.pool);
    const app = await buildApp({ env, db, secrets, logger });
    cleanup.push(() => app.close());
    await app.ready();

    const profiler = new Session();
    profiler.connect();

    const rowCounts = async () => {
      const { rows } = await db.pool.query<{ t: string; c: string }>(`
        SELECT 'runners' AS t, count(*)::text AS c FROM runners
        UNION ALL SELECT 'runner_managers', count(*)::text FROM runner_managers
        UNION ALL SELECT 'runner_managers linked to a machine', count(*)::text FROM runner_managers WHERE machine_id IS NOT NULL
        UNION ALL SELECT 'job_snapshots', count(*)::text FROM job_snapshots`);
      return Object.fromEntries(rows.map((r) => [r.t, Number(r.c)]));
    };

    const runOnce = async (label: string, profileFile?: string): Promise<RunResult> => {
      await sim.request({ type: 'reset' }, 'done');
      tally.reset();
      logs = { warn: 0, error: 0, byMessage: {}, first: [] };
      const pgPids = () => new Map(postgresPids(database.name).map((pid) => [pid, cpuMs(pid)]));
      const before = { api: selfCpuMs(), sim: cpuMs(sim.pid), pg: pgPids(), machine: machineBusyMs() };
      if (profileFile) {
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 1000 });
        await profiler.post('Profiler.start');
      }
      const t0 = performance.now();
      const outcome = await app.gitlabSync.syncInstance(instance.id);
      const wallMs = performance.now() - t0;
      if (profileFile) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(profileFile, JSON.stringify(profile));
      }
      const statements = structuredClone(tally.byKind());
      const afterPg = pgPids();
      let postgres = 0;
      for (const [pid, v] of afterPg) if (!Number.isNaN(v)) postgres += v - (before.pg.get(pid) ?? 0);
      const api = selfCpuMs() - before.api;
      const simCpu = cpuMs(sim.pid) - before.sim;
      const cpu = {
        api,
        sim: simCpu,
        postgres,
        others: machineBusyMs() - before.machine - api - simCpu - postgres,
      };
      if (outcome.status !== 'done') throw new Error(`the sync was skipped: ${outcome.reason}`);
      const { byRoute, errors } = await sim.request({ type: 'counts' }, 'counts');
      const result: RunResult = {
        label,
        run: outcome.run,
        wallMs,
        requests: byRoute,
        requestErrors: errors,
        statements,
        cpu,
        rows: await rowCounts(),
        apiMemory: process.memoryUsage(),
        logs,
      };
      for (const line of logs.first) log(`logged: ${line}`);
      log(
        `${label}: ${seconds(outcome.run.durationMs)}, ${n(outcome.run.requests)} GitLab requests, error ${outcome.run.error ?? 'none'}; ` +
          `runners ${JSON.stringify(outcome.run.runners)}, managers ${JSON.stringify(outcome.run.managers)}, ` +
          `jobs ${JSON.stringify({ ...outcome.run.jobs, scopeErrors: outcome.run.jobs.scopeErrors.length })}; ` +
          `CPU API ${seconds(cpu.api)}, simulator ${seconds(cpu.sim)}, Postgres ${seconds(cpu.postgres)}`,
      );
      return result;
    };

    const profileOf = (run: string) =>
      opts.profile ? path.join(os.tmpdir(), `paddock-gitlab-sync-${run}.cpuprofile`) : undefined;
    const first = await runOnce('first run (fresh database)', profileOf('first'));
    const { detail: churned } = await sim.request({ type: 'churn', ...CHURN }, 'done');
    log(`a minute in GitLab: ${churned}`);
    const steady = await runOnce('steady-state run', profileOf('steady'));

    const profileText = [
      ['first run', profileOf('first')],
      ['steady-state run', profileOf('steady')],
    ]
      .flatMap(([label, file]) => (file ? [describeProfile(label!, file)] : []))
      .join('\n\n');
    if (profileText) log(profileText);

    const uptimeAfter = uptimeLine();
    log(uptimeAfter);
    const text = report([first, steady], gitlab, opts, churned, profileText, {
      loads: { before: loadBefore, after: loadAverages() },
      uptime: [uptimeBefore, uptimeAfter],
    });
    if (opts.write) {
      writeSection('gitlab-sync', text);
      log('written to bench/RESULTS.md');
    } else {
      console.log(`\n${text}\n\nRESULTS.md left as it was (--no-write)`);
    }
  } finally {
    for (const step of cleanup.reverse()) await step().catch((err: unknown) => console.error(err));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// report

/** Where the API's CPU went during one run; stacks end at each async hop, so "time under" is a lower bound. */
function describeProfile(label: string, file: string): string {
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, {
    'Prisma (client, query compiler, adapter, pg)': (f) =>
      /@prisma|\/generated\/prisma\/|\/pg(-protocol)?\/|query_compiler|wasm/.test(f.url),
    'HTTP client (undici)': (f) => /undici/.test(f.url),
    'gitbeaker + transport': (f) => /@gitbeaker|\/gitlab\/transport/.test(f.url),
    'zod parsing of GitLab answers': (f) => /\/zod\//.test(f.url),
    'sync service and repository': (f) => /\/modules\/sync\//.test(f.url),
  });
  return (
    `CPU profile of the API process during the ${label} (\`${file}\`, ${ms(summary.totalMs)} sampled): self time by area ` +
    summary.areas
      .slice(0, 8)
      .map((a) => `${a.area} ${ms(a.ms)}`)
      .join(', ') +
    `; time under ${summary.inclusive.map((i) => `${i.label} ${ms(i.ms)}`).join(', ')}; top functions ` +
    summary.functions
      .slice(0, 8)
      .map((f) => `${f.name} ${ms(f.ms)}`)
      .join(', ') +
    '.'
  );
}

/** The simulator's routes grouped as the sync uses them, in the order a run sends them. */
const ENDPOINTS: Array<[string, string]> = [
  ['GET /runners/all', 'runner list pages'],
  ['GET /runners/:id', 'runner details'],
  ['GET /runners/:id/managers', 'runner managers'],
  ['GET /projects/:id/jobs', 'job list pages of watched projects'],
  ['GET /projects/:id/protected_branches', 'protected branches (404 in the simulator: none)'],
  ['GET /projects/:id/protected_tags', 'protected tags (404 in the simulator: none)'],
  ['GET /projects/:id/jobs/:id', 'jobs no longer listed, read once more'],
];

function report(
  runs: RunResult[],
  gitlab: FleetSummary,
  opts: Options,
  churned: string,
  profileText: string,
  machine: { loads: { before: [number, number, number]; after: [number, number, number] }; uptime: string[] },
): string {
  const args = process.argv.slice(2).filter((x) => x !== '--');
  const command = `npx pnpm --filter @paddock/bench gitlab-sync${args.length ? ` -- ${args.join(' ')}` : ''}`;
  const [first, steady] = runs as [RunResult, RunResult];
  const known = new Set(ENDPOINTS.map(([r]) => r));
  const routes = [
    ...ENDPOINTS,
    ...[...new Set(runs.flatMap((r) => Object.keys(r.requests)))]
      .filter((r) => !known.has(r))
      .map((r): [string, string] => [r, '']),
  ].filter(([r]) => runs.some((x) => x.requests[r]));
  const startOf = (r: RunResult) => Date.parse(r.run.startedAt);
  const phase = (r: RunResult, route: string) => {
    const t = r.requests[route];
    if (!t) return '—';
    return `${n(t.count)} (${seconds(t.first - startOf(r))} → ${seconds(t.last - startOf(r))})`;
  };
  const total = (r: RunResult) => Object.values(r.requests).reduce((s, t) => s + t.count, 0);
  const writes = (r: RunResult) =>
    Object.entries(r.statements)
      .filter(([k]) => /^(INSERT|UPDATE|DELETE) /.test(k))
      .sort((a, b) => b[1].rows - a[1].rows);
  const statementCount = (r: RunResult) => Object.values(r.statements).reduce((s, t) => s + t.count, 0);
  const statementMs = (r: RunResult) => Object.values(r.statements).reduce((s, t) => s + t.ms, 0);
  const slowest = (r: RunResult) =>
    Object.entries(r.statements)
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 5)
      .map(([k, t]) => `${k} ${t.count}× ${ms(t.ms)}`)
      .join(', ');
  const perMinute = (r: RunResult) => (r.run.requests / Math.max(r.run.durationMs, 1)) * 60_000;
  const steadyMet = steady.run.error === null && steady.run.durationMs < TARGET_STEADY_MS;
  const firstMet = first.run.error === null && first.run.durationMs < TARGET_FIRST_MS;
  const status = Object.entries(gitlab.runnerStatus)
    .sort((a, b) => b[1] - a[1])
    .map(([s, c]) => `${n(c)} ${s}`)
    .join(', ');
  const logLine = (r: RunResult) =>
    r.logs.warn + r.logs.error === 0
      ? 'none'
      : Object.entries(r.logs.byMessage)
          .map(([m, c]) => `${c}× \`${m}\``)
          .join(', ');
  const errors = (r: RunResult) =>
    Object.entries(r.requestErrors)
      .map(([k, c]) => `${n(c)}× ${k}`)
      .join(', ') || 'none';

  return `## GitLab sync of ${n(gitlab.runners)} runners

Command: \`${command}\` · ${new Date().toISOString()} · ${machineDescription()}

${loadNote(machine.loads.before, machine.loads.after)} \`uptime\` before: \`${machine.uptime[0]}\`; after: \`${machine.uptime[1]}\`.

**GitLab** (the simulator, in a child process of its own; see \`bench/lib/gitlab-fleet-sim.ts\`): ${n(gitlab.runners)}
runners (60 % instance, 30 % group, 10 % project; ${status}), ${n(gitlab.managers)} runner managers (${n(gitlab.managersOnMachines)}
on Paddock's machines), ${opts.groups} groups of ${opts.projectsPerGroup} projects, ${n(gitlab.jobs)} jobs; the ${gitlab.watched.length} watched
projects hold ${Object.entries(gitlab.watchedJobs)
    .map(([s, c]) => `${n(c)} ${s}`)
    .join(', ')} jobs. **Paddock**: a fresh database on the local Postgres with
${n(opts.machines)} machines and the connected GitLab with its ${gitlab.watched.length} watched projects; the app built in the benchmark's process
as server.ts builds it (pool of 20, GitLab concurrency 8, the default timeouts and retries), timers off; one run is
\`app.gitlabSync.syncInstance(id)\`, what the periodic worker calls. Between the runs: ${churned}.

| | first run (fresh database) | steady-state run |
| --- | ---: | ---: |
| duration (the service's own) | ${seconds(first.run.durationMs)} | ${seconds(steady.run.durationMs)} |
| error | ${first.run.error ?? 'none'} | ${steady.run.error ?? 'none'} |
| GitLab requests (the service's count / the simulator's) | ${n(first.run.requests)} / ${n(total(first))} | ${n(steady.run.requests)} / ${n(total(steady))} |
| requests per minute of run | ${n(Math.round(perMinute(first)))} | ${n(Math.round(perMinute(steady)))} |
| runners listed / updated / imported / deleted / details read | ${[first.run.runners.listed, first.run.runners.updated, first.run.runners.imported, first.run.runners.deleted, first.run.runners.detailsRead].map(n).join(' / ')} | ${[steady.run.runners.listed, steady.run.runners.updated, steady.run.runners.imported, steady.run.runners.deleted, steady.run.runners.detailsRead].map(n).join(' / ')} |
| managers: runners read / stored / linked to machines | ${[first.run.managers.runnersRead, first.run.managers.stored, first.run.managers.linked].map(n).join(' / ')} | ${[steady.run.managers.runnersRead, steady.run.managers.stored, steady.run.managers.linked].map(n).join(' / ')} |
| jobs: projects / listed / read again | ${[first.run.jobs.projects, first.run.jobs.listed, first.run.jobs.reread].map(n).join(' / ')} | ${[steady.run.jobs.projects, steady.run.jobs.listed, steady.run.jobs.reread].map(n).join(' / ')} |
| statements to Postgres (summed time) | ${n(statementCount(first))} (${seconds(statementMs(first))}) | ${n(statementCount(steady))} (${seconds(statementMs(steady))}) |
| rows written (INSERT / UPDATE / DELETE rows reported) | ${n(writes(first).reduce((s, [, t]) => s + t.rows, 0))} | ${n(writes(steady).reduce((s, [, t]) => s + t.rows, 0))} |
| CPU: API process / simulator / Postgres / everything else | ${[first.cpu.api, first.cpu.sim, first.cpu.postgres, first.cpu.others].map(seconds).join(' / ')} | ${[steady.cpu.api, steady.cpu.sim, steady.cpu.postgres, steady.cpu.others].map(seconds).join(' / ')} |
| API process after the run: RSS (JS heap used) | ${mib(first.apiMemory.rss)} (${mib(first.apiMemory.heapUsed)}) | ${mib(steady.apiMemory.rss)} (${mib(steady.apiMemory.heapUsed)}) |
| warnings and errors logged | ${logLine(first)} | ${logLine(steady)} |
| GitLab answers ≥ 400 | ${errors(first)} | ${errors(steady)} |

GitLab requests by endpoint: count (first → last answered, from the start of the run):

| endpoint | what for | first run | steady-state run |
| --- | --- | ---: | ---: |
${routes.map(([r, what]) => `| \`${r}\` | ${what} | ${phase(first, r)} | ${phase(steady, r)} |`).join('\n')}

Rows written by statement (rows reported; statements):

| statement | first run | steady-state run |
| --- | ---: | ---: |
${[...new Set([...writes(first), ...writes(steady)].map(([k]) => k))]
  .map(
    (k) =>
      `| \`${k}\` | ${first.statements[k] ? `${n(first.statements[k].rows)} (${first.statements[k].count})` : '—'} | ${steady.statements[k] ? `${n(steady.statements[k].rows)} (${steady.statements[k].count})` : '—'} |`,
  )
  .join('\n')}

Rows in Paddock after each run: ${Object.entries(first.rows)
    .map(([t, c]) => `${t} ${n(c)} → ${n(steady.rows[t] ?? 0)}`)
    .join(', ')}. Slowest statements (summed): first run ${slowest(first)}; steady state ${slowest(steady)}.
${profileText ? `\n${profileText}\n` : ''}
### Targets (derived)

The issue asks to record the figures. Derived target: the default \`PADDOCK_GITLAB_SYNC_INTERVAL_MS\` is 60 s and the
worker waits that long after each run, so synced data is at most one interval plus one run old.

- Steady-state run under half the interval (${seconds(TARGET_STEADY_MS)}): **${steadyMet ? 'met' : 'not met'}** — ${seconds(steady.run.durationMs)}.
- First run (imports everything) under one interval (${seconds(TARGET_FIRST_MS)}): **${firstMet ? 'met' : 'not met'}** — ${seconds(first.run.durationMs)}.
- Requests: every run reads the managers of every runner GitLab still has and that has ever contacted it (one that never
  has has none), one request each (\`GET /runners/:id/managers\`), so a run costs about one request per contacted
  runner: ${n(steady.run.requests)} per steady-state run, about ${n(Math.round((steady.run.requests * 60_000) / (DEFAULT_INTERVAL_MS + steady.run.durationMs)))} per minute at the
  default interval. Recorded, no target.
- The simulator answers on loopback in about a millisecond; a real GitLab takes longer per request, and with
  ${CONCURRENCY} requests in flight (PADDOCK_GITLAB_CONCURRENCY's default) every 10 ms of GitLab latency adds about
  ${seconds((steady.run.requests * 10) / CONCURRENCY)} to a steady-state run (${seconds((first.run.requests * 10) / CONCURRENCY)} to the first): at 25 ms per request the
  steady-state run alone would take about ${seconds((steady.run.requests * 25) / CONCURRENCY)}.`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
