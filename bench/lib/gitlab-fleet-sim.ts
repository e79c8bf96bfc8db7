/**
 * The GitLab of the sync benchmark, in a child process of its own so that its work (it is an in-memory GitLab,
 * and some of its lookups scan every record) is not counted as the API's: the GitLab simulator filled with a
 * fleet the size of a large installation, driven over the IPC channel.
 *
 * What it holds (`FleetShape`, deterministic for a given shape):
 * - `groups` groups of `projectsPerGroup` projects; the first `watchedProjects` projects are the ones Paddock
 *   watches. Each watched project has 3 pipelines of 3 build jobs then 4 test jobs (the build jobs are queued),
 *   every other project one such pipeline; jobs are untagged, `docker` or `linux`, and about two thirds of the
 *   queued jobs of watched projects are then taken by runners (running), the rest wait (pending).
 * - `runners` runners: 60 % instance, 30 % group (spread over the groups), 10 % project runners; one to three
 *   tags of ten; 4 % paused, 10 % for protected refs only, 30 % running untagged jobs. 3 % were created a month
 *   ago and never contacted (stale), 12 % an hour ago and never contacted; the others have runner managers:
 *   80 % one, 15 % two, 5 % four (autoscaled hosts sharing a token), 90 % contacted a few minutes ago and 10 %
 *   three hours ago (offline). 70 % of managers run on one of Paddock's `machines` (system_id `s_<index in
 *   hex>`, see `machineSystemId`), the rest on hosts Paddock does not know (`r_` ids).
 * Everything is created with the simulator's clock an hour back (or a month for the stale ones), so the sync's
 * import grace period has passed.
 */
import {
  GitlabSimulator,
  type GitlabRunner,
  type RunnerManager,
} from '../../packages/gitlab-sim/src/index.js';

export interface FleetShape {
  runners: number;
  machines: number;
  groups: number;
  projectsPerGroup: number;
  watchedProjects: number;
}

export interface FleetSummary {
  url: string;
  adminToken: string;
  runners: number;
  managers: number;
  managersOnMachines: number;
  runnerStatus: Record<string, number>;
  projects: number;
  watched: Array<{ id: number; path: string }>;
  /** jobs of watched projects by status */
  watchedJobs: Record<string, number>;
  jobs: number;
  seedMs: number;
}

export type SimRequest =
  | { type: 'seed'; shape: FleetShape }
  | { type: 'counts' }
  | { type: 'reset' }
  | { type: 'churn'; finishRunning: number; cancelPending: number }
  | { type: 'stop' };

export interface RequestTimes {
  count: number;
  /** first and last answer, epoch ms */
  first: number;
  last: number;
}

export type SimReply =
  | { type: 'ready' }
  | { type: 'seeded'; summary: FleetSummary }
  | { type: 'counts'; byRoute: Record<string, RequestTimes>; errors: Record<string, number> }
  | { type: 'done'; detail: string }
  | { type: 'failed'; error: string };

const TAGS = ['docker', 'linux', 'arm64', 'windows', 'gpu', 'large', 'k8s', 'shell', 'macos', 'privileged'];
const HOUR = 3_600_000;

/** The system_id of Paddock machine number `index` (the benchmark inserts the same machines). */
export const machineSystemId = (index: number) => `s_${index.toString(16).padStart(12, '0')}`;

/** A small deterministic generator (mulberry32), so every run builds the same GitLab. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
const sim = new GitlabSimulator({ seed: 11, clock });

function seed(shape: FleetShape): FleetSummary {
  const t0 = performance.now();
  const rnd = random(42);
  offsetMs = -HOUR;
  const groups = Array.from({ length: shape.groups }, (_, g) => sim.createGroup(`team ${g + 1}`));
  const projects = groups.flatMap((group, g) =>
    Array.from({ length: shape.projectsPerGroup }, (_, p) =>
      sim.createProject({ name: `service ${g * shape.projectsPerGroup + p + 1}`, groupId: group.id }),
    ),
  );
  const watched = projects.slice(0, shape.watchedProjects);
  const jobTags = () => {
    const r = rnd();
    return r < 0.3 ? [] : r < 0.8 ? ['docker'] : ['linux'];
  };
  const pipeline = (projectId: number, k: number) =>
    sim.createPipeline({
      projectId,
      ref: k % 3 === 2 ? `feature/change-${k}` : 'main',
      jobs: [
        ...Array.from({ length: 3 }, (_, j) => ({ name: `build ${j + 1}`, stage: 'build', tags: jobTags() })),
        ...Array.from({ length: 4 }, (_, j) => ({ name: `test ${j + 1}`, stage: 'test', tags: jobTags() })),
      ],
    });
  for (const project of projects) {
    const pipelines = watched.includes(project) ? 3 : 1;
    for (let k = 0; k < pipelines; k++) pipeline(project.id, k);
  }

  const contacted: Array<{ runner: GitlabRunner; manager: RunnerManager }> = [];
  let managers = 0;
  let onMachines = 0;
  for (let i = 0; i < shape.runners; i++) {
    const kind = i % 10;
    const tags = Array.from({ length: 1 + (i % 3) }, (_, k) => TAGS[(i * 7 + k * 3) % TAGS.length]!);
    const roll = rnd();
    offsetMs = roll < 0.03 ? -30 * 24 * HOUR : -HOUR;
    const runner = sim.runners.create(sim.admin, {
      runnerType: kind < 6 ? 'instance_type' : kind < 9 ? 'group_type' : 'project_type',
      ...(kind >= 6 && kind < 9 && { groupId: groups[i % groups.length]!.id }),
      ...(kind === 9 && { projectId: projects[i % projects.length]!.id }),
      description: `${tags[0]} runner ${i + 1}`,
      tagList: [...new Set(tags)],
      paused: rnd() < 0.04,
      accessLevel: rnd() < 0.1 ? 'ref_protected' : 'not_protected',
      runUntagged: rnd() < 0.3,
      maximumTimeout: rnd() < 0.5 ? 3600 : null,
    });
    if (roll < 0.15) continue; // never contacted: stale or new
    const r = rnd();
    const count = r < 0.8 ? 1 : r < 0.95 ? 2 : 4;
    for (let k = 0; k < count; k++) {
      const onMachine = rnd() < 0.7;
      const systemId = onMachine
        ? machineSystemId((i * 3 + k * 997) % shape.machines)
        : `r_${Math.floor(rnd() * 36 ** 8)
            .toString(36)
            .padStart(8, '0')}${(i + k).toString(36).padStart(4, '0').slice(-4)}`;
      offsetMs = rnd() < 0.1 ? -3 * HOUR : -Math.floor(rnd() * 300_000);
      const manager = sim.runners.heartbeat(runner, {
        systemId,
        ip: `10.${(i >> 8) & 255}.${i & 255}.${k + 1}`,
        info: {
          name: 'gitlab-runner',
          version: '18.3.0',
          revision: '3e5b8f1a',
          platform: 'linux',
          architecture: 'amd64',
          executor: 'docker',
        },
      })!;
      managers++;
      if (onMachine) onMachines++;
      if (k === 0) contacted.push({ runner, manager });
    }
  }
  offsetMs = 0;

  // Runners take about two thirds of the queued jobs of the watched projects.
  const watchedIds = new Set(watched.map((p) => p.id));
  const queued = () =>
    [...sim.store.jobs.values()].filter((j) => watchedIds.has(j.projectId) && j.status === 'pending').length;
  let toStart = Math.round((queued() * 2) / 3);
  for (const { runner, manager } of contacted) {
    if (toStart === 0) break;
    if (runner.runnerType !== 'instance_type') continue;
    const job = sim.ci.assignJob(runner, manager);
    if (job && watchedIds.has(job.projectId)) toStart--;
  }

  const runnerStatus: Record<string, number> = {};
  for (const runner of sim.store.runners.values()) {
    const s = sim.runners.restStatus(runner);
    runnerStatus[s] = (runnerStatus[s] ?? 0) + 1;
  }
  return {
    url: sim.url,
    adminToken: sim.adminToken,
    runners: sim.store.runners.size,
    managers,
    managersOnMachines: onMachines,
    runnerStatus,
    projects: projects.length,
    watched: watched.map((p) => ({
      id: p.id,
      path: `${groups.find((g) => g.id === p.groupId)!.path}/${p.path}`,
    })),
    watchedJobs: jobCounts(watchedIds),
    jobs: sim.store.jobs.size,
    seedMs: performance.now() - t0,
  };
}

function jobCounts(projectIds: Set<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const j of sim.store.jobs.values())
    if (projectIds.has(j.projectId)) out[j.status] = (out[j.status] ?? 0) + 1;
  return out;
}

/** What changes in a minute: some running jobs end (their pipelines queue the next stage), some queued are cancelled. */
function churn(finishRunning: number, cancelPending: number): string {
  const jobs = [...sim.store.jobs.values()];
  const running = jobs.filter((j) => j.status === 'running').slice(0, finishRunning);
  for (const job of running) sim.ci.finish(job, 'success');
  const pending = jobs.filter((j) => j.status === 'pending').slice(0, cancelPending);
  for (const job of pending) sim.cancelJob(job.id);
  return `${running.length} running jobs finished, ${pending.length} pending jobs cancelled`;
}

/** Requests answered per route, with paths the simulator does not route grouped by their shape. */
function counts(): Extract<SimReply, { type: 'counts' }> {
  const byRoute: Record<string, RequestTimes> = {};
  const errors: Record<string, number> = {};
  for (const r of sim.requests.list()) {
    const route = r.route.replace(/\/\d+(?=\/|$)/g, '/:id');
    const t = r.at.getTime();
    const entry = (byRoute[route] ??= { count: 0, first: t, last: t });
    entry.count++;
    entry.first = Math.min(entry.first, t);
    entry.last = Math.max(entry.last, t);
    if (r.status >= 400) errors[`${route} → ${r.status}`] = (errors[`${route} → ${r.status}`] ?? 0) + 1;
  }
  return { type: 'counts', byRoute, errors };
}

const send = (m: SimReply) => process.send?.(m);
process.on('message', (req: SimRequest) => {
  const run = async () => {
    switch (req.type) {
      case 'seed':
        await sim.listen();
        return send({ type: 'seeded', summary: seed(req.shape) });
      case 'counts':
        return send(counts());
      case 'reset':
        sim.requests.reset();
        return send({ type: 'done', detail: 'reset' });
      case 'churn':
        return send({ type: 'done', detail: churn(req.finishRunning, req.cancelPending) });
      case 'stop':
        await sim.close();
        send({ type: 'done', detail: 'stopped' });
        setTimeout(() => process.exit(0), 100);
        return;
    }
  };
  run().catch((err: unknown) =>
    send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
