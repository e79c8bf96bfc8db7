/**
 * The GitLab sync: one run reads one connected GitLab and brings Paddock's copy up to date.
 *
 * 1. Runners: `GET /runners/all` (every page) updates status, paused and description; runners Paddock does not
 *    have are imported (read-only, no token); runners GitLab no longer lists are marked `deleted`, never dropped.
 *    Tags and the other settings are only in `GET /runners/:id`, so those are read for a bounded number of
 *    runners per run, in turn.
 * 2. Runner managers: `GET /runners/:id/managers` for every runner still in GitLab that has contacted it, stored and
 *    joined to machines by system_id.
 * 3. Jobs: the pending and running jobs of every watched project (a group's projects are listed first), stored as
 *    snapshots; snapshots GitLab no longer lists are read once more for their final status (bounded per run).
 *
 * A run holds an advisory lock per GitLab (sync-lock.ts), so replicas never sync the same GitLab at once. A run
 * that fails (GitLab unreachable, failing, rate limiting) stops where it is, records why, and deletes or marks
 * nothing it has not read; the next run starts over.
 */
import type { GitlabSyncRun, GitlabSyncStatus } from '@paddock/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { GitlabClient, GitlabClients, GitlabRunnerWithOwners } from '../../gitlab/client.js';
import { GitlabRejectedError, GitlabTokenError, isGitlabError } from '../../gitlab/errors.js';
import type { GitlabJob, GitlabRunnerSummary } from '../../gitlab/listings.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { GitlabJobInput, JobsRepository } from '../jobs/jobs.repository.js';
import { withSyncLock } from './sync-lock.js';
import {
  DELETED_IN_GITLAB,
  type ImportedRunner,
  type ManagerInput,
  type RunnerSettings,
  type SyncRepository,
} from './sync.repository.js';

/** The job states the queues show; GitLab lists them with `scope[]=pending&scope[]=running`. */
const LISTED_JOB_SCOPES = ['pending', 'running'] as const;

export interface GitlabSyncOptions {
  /** runners whose settings (`GET /runners/:id`) are read per run besides new ones; the rest wait their turn */
  detailReadsPerRun?: number;
  /** snapshots no longer listed that are read once more per run; the rest wait for the next run */
  jobRereadsPerRun?: number;
  /**
   * A runner GitLab created less than this long ago is not imported yet: it may be one Paddock is registering
   * right now (created in GitLab, not yet stored), which must not come back as an import.
   */
  importGraceMs?: number;
}

export interface GitlabSyncDeps extends GitlabSyncOptions {
  repo: SyncRepository;
  jobs: Pick<JobsRepository, 'upsertSnapshots'>;
  gitlab: Pick<GitlabClients, 'gitlabClientFor'>;
  /** for the advisory lock: a connection of its own for the length of a run */
  pool: pg.Pool;
  intervalMs: number;
  log: FastifyBaseLogger;
  now?: () => Date;
  /** after each run, failed or not: the app tells browsers and the other replicas */
  onRun?: (instanceId: string, run: GitlabSyncRun) => Promise<void> | void;
}

export type SyncOutcome =
  | { status: 'done'; run: GitlabSyncRun }
  /** another replica holds this GitLab's lock, or this one is shutting down */
  | { status: 'skipped'; reason: 'locked' | 'stopping' };

class Stopping extends Error {}

export function gitlabSyncService(deps: GitlabSyncDeps) {
  const { repo, jobs, gitlab, pool, log } = deps;
  const now = deps.now ?? (() => new Date());
  const detailReadsPerRun = deps.detailReadsPerRun ?? 50;
  const jobRereadsPerRun = deps.jobRereadsPerRun ?? 100;
  const importGraceMs = deps.importGraceMs ?? 60_000;

  const inFlight = new Map<string, Promise<SyncOutcome>>();
  const lastRuns = new Map<string, GitlabSyncRun>();
  /** per GitLab, the last runner id whose settings were read: the next run continues after it */
  const detailCursor = new Map<string, number>();
  const stopping = new AbortController();

  const checkStopping = () => {
    if (stopping.signal.aborted) throw new Stopping();
  };

  async function run(instanceId: string): Promise<SyncOutcome> {
    const instance = await repo.instance(instanceId);
    if (!instance) throw new NotFoundError('GitLab instance', instanceId);
    const started = now();
    let requests = 0;
    const client = gitlab.gitlabClientFor(instance, { onRequest: () => (requests += 1) });
    const stats = emptyStats();
    let error: string | null = null;
    try {
      await syncRunners(instanceId, client, stats);
      checkStopping();
      await syncManagers(instanceId, client, stats);
      checkStopping();
      await syncJobs(instanceId, instance.url, client, stats);
    } catch (err) {
      if (err instanceof Stopping) return { status: 'skipped', reason: 'stopping' };
      error = describeFailure(err);
      if (isGitlabError(err)) log.warn({ err, gitlabInstanceId: instanceId }, 'GitLab sync failed');
      else log.error({ err, gitlabInstanceId: instanceId }, 'GitLab sync failed');
    }
    const finished = now();
    if (error === null) await repo.recordSuccess(instanceId, finished);
    else await repo.recordFailure(instanceId, error);
    const result: GitlabSyncRun = {
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      requests,
      error,
      ...stats,
    };
    lastRuns.set(instanceId, result);
    log.info({ gitlabInstanceId: instanceId, ...result }, 'GitLab sync run');
    try {
      await deps.onRun?.(instanceId, result);
    } catch (err) {
      // Telling others is best effort: the data is stored either way.
      log.warn({ err, gitlabInstanceId: instanceId }, 'could not announce a GitLab sync run');
    }
    return { status: 'done', run: result };
  }

  async function syncRunners(instanceId: string, client: GitlabClient, stats: RunStats) {
    const listed = await client.allRunners();
    checkStopping();
    const at = now();
    const known = await repo.runnersOf(instanceId);
    const byGitlabId = new Map(known.map((r) => [r.gitlabRunnerId, r]));
    const listedIds = new Set(listed.map((r) => r.id));
    stats.runners.listed = listed.length;

    const present = listed.flatMap((r) => {
      const mine = byGitlabId.get(r.id);
      return mine ? [{ mine, summary: r }] : [];
    });
    await repo.applyListing(
      present.map(({ mine, summary }) => ({
        id: mine.id,
        gitlabStatus: summary.status,
        paused: isPaused(summary),
        description: summary.description ?? '',
      })),
      at,
    );
    stats.runners.updated = present.length;

    const newcomers = listed.filter((r) => !byGitlabId.has(r.id) && oldEnough(r, at));
    const imported = (await Promise.all(newcomers.map((r) => readDetails(client, r.id)))).flatMap((d) =>
      d ? [toImported(d)] : [],
    );
    stats.runners.imported = await repo.importRunners(instanceId, imported, at);

    // Only a complete list proves a runner is gone: any failure above has already ended the run.
    const gone = known.filter(
      (r) => !listedIds.has(r.gitlabRunnerId) && r.gitlabStatus !== DELETED_IN_GITLAB,
    );
    await repo.markDeleted(gone.map((r) => r.id));
    stats.runners.deleted = gone.length;

    const turn = nextInTurn(
      present.map((p) => p.mine),
      detailCursor.get(instanceId) ?? 0,
      detailReadsPerRun,
    );
    const details = await Promise.all(
      turn.map(async (r) => ({ id: r.id, details: await readDetails(client, r.gitlabRunnerId) })),
    );
    await repo.applySettings(
      details.flatMap((d) => (d.details ? [{ id: d.id, settings: toSettings(d.details) }] : [])),
      now(),
    );
    stats.runners.detailsRead = turn.length;
    const last = turn.at(-1);
    if (last) detailCursor.set(instanceId, last.gitlabRunnerId);
  }

  /** `GET /runners/:id`; null when the runner was deleted since it was listed (the next run marks it). */
  async function readDetails(client: GitlabClient, gitlabRunnerId: number) {
    checkStopping();
    try {
      return await client.runnerWithOwners(gitlabRunnerId);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async function syncManagers(instanceId: string, client: GitlabClient, stats: RunStats) {
    // GitLab makes a runner's first manager when the runner first contacts it: one listed as never contacted has
    // none, and reading its managers would only spend a request (a tenth of them in a large fleet).
    const runners = (await repo.runnersOf(instanceId)).filter(
      (r) => r.gitlabStatus !== DELETED_IN_GITLAB && r.gitlabStatus !== 'never_contacted',
    );
    const read = await Promise.all(
      runners.map(async (r) => {
        checkStopping();
        try {
          return { runnerId: r.id, managers: await client.runnerManagers(r.gitlabRunnerId) };
        } catch (err) {
          if (isNotFound(err)) return null;
          throw err;
        }
      }),
    );
    const readRunners = read.flatMap((r) => (r ? [r] : []));
    const managers: ManagerInput[] = readRunners.flatMap(({ runnerId, managers: list }) =>
      list.map((m) => ({
        runnerId,
        gitlabManagerId: m.id,
        systemId: m.system_id,
        version: m.version,
        revision: m.revision,
        platform: m.platform,
        architecture: m.architecture,
        ipAddress: m.ip_address,
        status: m.status,
        contactedAt: date(m.contacted_at),
      })),
    );
    await repo.storeManagers(
      readRunners.map((r) => r.runnerId),
      managers,
    );
    stats.managers.runnersRead = readRunners.length;
    stats.managers.stored = managers.length;
    stats.managers.linked = await repo.linkedManagers(readRunners.map((r) => r.runnerId));
  }

  async function syncJobs(instanceId: string, gitlabUrl: string, client: GitlabClient, stats: RunStats) {
    const projects = new Map<number, string | null>();
    const unreadProjects = new Set<number>();
    const protectedRefs = protectedRefReader(client);
    const scopeFailed = (what: string, err: unknown) => {
      if (!isRefusal(err)) throw err;
      stats.jobs.scopeErrors.push(`${what}: ${(err as Error).message}`);
    };

    for (const scope of await repo.watchedScopes(instanceId)) {
      checkStopping();
      if (scope.kind === 'project') {
        projects.set(scope.gitlabId, scope.fullPath ?? projects.get(scope.gitlabId) ?? null);
        continue;
      }
      try {
        for (const p of await client.groupProjects(scope.gitlabId)) projects.set(p.id, p.path_with_namespace);
      } catch (err) {
        scopeFailed(`group ${scope.fullPath ?? scope.gitlabId}`, err);
      }
    }
    stats.jobs.projects = projects.size;

    const listed = await Promise.all(
      [...projects].map(async ([projectId, path]) => {
        checkStopping();
        try {
          const found = await client.projectJobs(projectId, LISTED_JOB_SCOPES);
          const isProtected = await protectedRefs(projectId, found);
          return found.map((j) =>
            toJobInput(j, projectId, path ?? pathFromWebUrl(j, gitlabUrl), isProtected),
          );
        } catch (err) {
          scopeFailed(`project ${path ?? projectId}`, err);
          unreadProjects.add(projectId);
          return [];
        }
      }),
    );
    const seen = listed.flat();
    await jobs.upsertSnapshots(instanceId, seen);
    stats.jobs.listed = seen.length;

    const stale = await repo.activeJobsNotSeen(
      instanceId,
      seen.map((j) => j.gitlabJobId),
      [...unreadProjects],
      jobRereadsPerRun,
    );
    const gone: number[] = [];
    const reread = await Promise.all(
      stale.map(async ({ gitlabJobId, projectId }) => {
        checkStopping();
        try {
          const job = await client.projectJob(projectId, gitlabJobId);
          const isProtected = await protectedRefs(projectId, [job]);
          return [toJobInput(job, projectId, projects.get(projectId) ?? null, isProtected)];
        } catch (err) {
          if (!isNotFound(err)) throw err;
          gone.push(gitlabJobId);
          return [];
        }
      }),
    );
    await jobs.upsertSnapshots(instanceId, reread.flat());
    await repo.markJobsDeleted(instanceId, gone);
    stats.jobs.reread = stale.length;
  }

  const service = {
    /**
     * Runs one sync of one GitLab now. A run of the same GitLab already under way in this process is joined;
     * one under way on another replica makes this one skip.
     */
    syncInstance(instanceId: string): Promise<SyncOutcome> {
      const current = inFlight.get(instanceId);
      if (current) return current;
      const started = (async (): Promise<SyncOutcome> => {
        if (stopping.signal.aborted) return { status: 'skipped', reason: 'stopping' };
        const locked = await withSyncLock(pool, instanceId, () => run(instanceId));
        if (!locked.acquired) {
          log.debug({ gitlabInstanceId: instanceId }, 'GitLab sync skipped: another replica is running it');
          return { status: 'skipped', reason: 'locked' };
        }
        return locked.value;
      })().finally(() => inFlight.delete(instanceId));
      inFlight.set(instanceId, started);
      return started;
    },

    /** One run for every connected GitLab, one after the other; a failing GitLab does not hold up the others. */
    async syncAll(): Promise<void> {
      for (const id of await repo.instanceIds()) {
        if (stopping.signal.aborted) return;
        await service.syncInstance(id).catch((err: unknown) => {
          // An instance deleted between the listing and its run is not a failure.
          if (!(err instanceof NotFoundError)) log.error({ err, gitlabInstanceId: id }, 'GitLab sync failed');
        });
      }
    },

    /** Runs one sync now for a request: the run, or 409 when another replica is running it. */
    async syncNow(instanceId: string): Promise<GitlabSyncRun> {
      const outcome = await service.syncInstance(instanceId);
      if (outcome.status === 'done') return outcome.run;
      throw new ConflictError(
        outcome.reason === 'locked'
          ? 'This GitLab is being synced by another Paddock replica right now; its result will show here.'
          : 'Paddock is shutting down.',
      );
    },

    async status(instanceId: string): Promise<GitlabSyncStatus> {
      const instance = await repo.instance(instanceId);
      if (!instance) throw new NotFoundError('GitLab instance', instanceId);
      return {
        gitlabInstanceId: instanceId,
        intervalMs: deps.intervalMs,
        running: inFlight.has(instanceId),
        lastSyncAt: instance.lastSyncAt?.toISOString() ?? null,
        lastSyncError: instance.lastSyncError,
        lastRun: lastRuns.get(instanceId) ?? null,
      };
    },

    /** Stops starting GitLab requests and waits for the runs under way to end. */
    async close(): Promise<void> {
      stopping.abort();
      await Promise.allSettled([...inFlight.values()]);
    },
  };
  return service;

  function oldEnough(summary: GitlabRunnerSummary, at: Date): boolean {
    const created = date(summary.created_at ?? null);
    return created === null || at.getTime() - created.getTime() >= importGraceMs;
  }
}
export type GitlabSyncService = ReturnType<typeof gitlabSyncService>;

type RunStats = Omit<GitlabSyncRun, 'startedAt' | 'finishedAt' | 'durationMs' | 'requests' | 'error'>;

function emptyStats(): RunStats {
  return {
    runners: { listed: 0, updated: 0, imported: 0, deleted: 0, detailsRead: 0 },
    managers: { runnersRead: 0, stored: 0, linked: 0 },
    jobs: { projects: 0, listed: 0, reread: 0, scopeErrors: [] },
  };
}

/** Up to `count` runners after `cursor` in GitLab id order, wrapping around to the lowest ids. */
export function nextInTurn<T extends { gitlabRunnerId: number }>(
  runners: T[],
  cursor: number,
  count: number,
): T[] {
  const sorted = [...runners].sort((a, b) => a.gitlabRunnerId - b.gitlabRunnerId);
  const after = sorted.filter((r) => r.gitlabRunnerId > cursor);
  const before = sorted.filter((r) => r.gitlabRunnerId <= cursor);
  return [...after, ...before].slice(0, count);
}

const isPaused = (r: GitlabRunnerSummary) => r.paused ?? (r.active === undefined ? false : !r.active);

function toSettings(d: GitlabRunnerWithOwners): RunnerSettings {
  return {
    description: d.description ?? '',
    gitlabStatus: d.status,
    paused: d.paused,
    tags: d.tag_list,
    runUntagged: d.run_untagged,
    locked: d.locked,
    accessLevel: d.access_level,
    maximumTimeout: d.maximum_timeout,
    maintenanceNote: d.maintenance_note ?? null,
    contactedAt: date(d.contacted_at),
  };
}

function toImported(d: GitlabRunnerWithOwners): ImportedRunner {
  return {
    ...toSettings(d),
    gitlabRunnerId: d.id,
    runnerType: d.runner_type,
    // GitLab lists a runner's owner first; a project runner may be enabled in more projects besides.
    groupId: d.runner_type === 'group_type' ? (d.groupIds[0] ?? null) : null,
    projectId: d.runner_type === 'project_type' ? (d.projectIds[0] ?? null) : null,
  };
}

/**
 * Whether a job's ref is protected. GitLab's job JSON does not say (it has no `ref_protected` field), so it is
 * derived from the project's protected branches or tags (names, or `*` patterns), read once per project and kind
 * per run and only for projects that have jobs. A project whose protected refs the access token may not read
 * counts as having none.
 */
function protectedRefReader(client: GitlabClient) {
  const read = new Map<string, Promise<string[]>>();
  const patterns = (projectId: number, kind: 'branches' | 'tags') => {
    const key = `${projectId}:${kind}`;
    let names = read.get(key);
    if (!names) {
      names = client.protectedRefNames(projectId, kind).catch((err: unknown) => {
        if (isRefusal(err)) return [];
        throw err;
      });
      read.set(key, names);
    }
    return names;
  };
  return async (projectId: number, jobs: GitlabJob[]): Promise<(job: GitlabJob) => boolean> => {
    const kindOf = (job: GitlabJob): 'branches' | 'tags' => (job.tag ? 'tags' : 'branches');
    const kinds = [...new Set(jobs.filter((j) => j.ref).map(kindOf))];
    const found = new Map(
      await Promise.all(kinds.map(async (k) => [k, await patterns(projectId, k)] as const)),
    );
    return (job) => (job.ref ? (found.get(kindOf(job)) ?? []).some((p) => refMatches(p, job.ref!)) : false);
  };
}

/** GitLab's protected ref matching: an exact name, or a pattern where `*` stands for any characters. */
export function refMatches(pattern: string, ref: string): boolean {
  if (!pattern.includes('*')) return pattern === ref;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(ref);
}

function toJobInput(
  job: GitlabJob,
  projectId: number,
  projectPath: string | null,
  isProtected: (job: GitlabJob) => boolean,
): GitlabJobInput {
  const startedAt = date(job.started_at ?? null);
  // GitLab gives how long the job waited (until it started, or until now), not when it was queued.
  const queuedAt =
    job.queued_duration === null || job.queued_duration === undefined
      ? null
      : new Date((startedAt ?? new Date()).getTime() - Math.round(job.queued_duration * 1000));
  return {
    gitlabJobId: job.id,
    projectId: job.pipeline?.project_id ?? projectId,
    projectPath,
    pipelineId: job.pipeline?.id ?? null,
    gitlabRunnerId: job.runner?.id ?? null,
    runnerSystemId: job.runner_manager?.system_id.slice(0, 64) ?? null,
    name: job.name,
    stage: job.stage ?? null,
    ref: job.ref ?? null,
    refProtected: isProtected(job),
    status: job.status,
    tags: job.tag_list,
    failureReason: job.failure_reason ?? null,
    webUrl: job.web_url ?? null,
    queuedAt,
    startedAt,
    finishedAt: date(job.finished_at ?? null),
    createdAt: date(job.created_at) ?? new Date(),
  };
}

/** `<gitlab>/<group>/<project>/-/jobs/<id>` → `<group>/<project>`, for watched projects stored without a path. */
function pathFromWebUrl(job: GitlabJob, gitlabUrl: string): string | null {
  const base = `${gitlabUrl.replace(/\/+$/, '')}/`;
  if (!job.web_url?.startsWith(base)) return null;
  const rest = job.web_url.slice(base.length);
  const end = rest.indexOf('/-/jobs/');
  return end > 0 ? rest.slice(0, end) : null;
}

function date(value: string | null): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const isNotFound = (err: unknown) => err instanceof GitlabRejectedError && err.gitlabStatus === 404;

/** GitLab refused one project or group (gone, or hidden from the token's user): skip it, keep syncing the rest. */
const isRefusal = (err: unknown) =>
  err instanceof GitlabRejectedError || (err instanceof GitlabTokenError && err.reason === 'permission');

function describeFailure(err: unknown): string {
  if (isGitlabError(err)) return err.detail ?? err.message;
  return 'Paddock failed while saving what GitLab answered; the API log has the details.';
}
