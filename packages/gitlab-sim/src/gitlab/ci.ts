/**
 * Groups, projects, pipelines and jobs, and the queue that hands jobs to runners. A pipeline's stages run in
 * order: the jobs of the first unfinished stage are `pending`, later ones stay `created`, and after a failure (one
 * not allowed to fail) the rest are `skipped`. A runner may take a pending job when (Ci::Runner#matches_build?):
 * - it is not paused;
 * - it serves the job's project (instance runners: shared runners enabled; group runners: the project's group;
 *   project runners: assigned to the project);
 * - the job has tags and the runner has all of them, or the job has none and the runner runs untagged jobs;
 * - the runner's access_level is `not_protected`, or it is `ref_protected` and the job's ref is protected.
 * Project and group runners take the oldest job first; instance runners first serve the projects with the fewest
 * jobs running on instance runners (GitLab's fair usage queue).
 */
import type { Clock } from './clock.js';
import {
  FINISHED_STATUSES,
  type Group,
  type Job,
  type JobPlan,
  type Pipeline,
  type Project,
  type Runner,
  type RunnerManager,
  type Store,
} from './model.js';
import type { Random } from './random.js';

export interface CreateProjectInput {
  readonly name: string;
  readonly groupId: number;
  readonly description?: string;
  readonly defaultBranch?: string;
  /** Protected branches and tags (`*` wildcards); default the default branch. */
  readonly protectedRefs?: readonly string[];
  readonly sharedRunnersEnabled?: boolean;
}

export interface JobSpec {
  readonly name: string;
  readonly stage: string;
  readonly tags?: readonly string[];
  readonly allowFailure?: boolean;
  /** Default 3600 s, GitLab's default job timeout. */
  readonly timeoutSeconds?: number;
  readonly image?: string;
  readonly script?: readonly string[];
  readonly plan?: JobPlan;
}

export interface PipelineSpec {
  readonly projectId: number;
  readonly ref: string;
  /** The ref is a tag rather than a branch. */
  readonly tag?: boolean;
  /** Stages run in the order they first appear. */
  readonly jobs: readonly JobSpec[];
  readonly source?: string;
}

export type TraceAppend =
  { readonly ok: true; readonly size: number } | { readonly ok: false; readonly size: number };

export class Ci {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly userId: () => number,
  ) {}

  createGroup(name: string): Group {
    const group: Group = { id: this.store.nextId('group'), name, path: slug(name), createdAt: this.clock() };
    this.store.groups.set(group.id, group);
    return group;
  }

  createProject(input: CreateProjectInput): Project {
    if (!this.store.groups.has(input.groupId)) throw new Error(`no group ${input.groupId}`);
    const defaultBranch = input.defaultBranch ?? 'main';
    const project: Project = {
      id: this.store.nextId('project'),
      name: input.name,
      path: slug(input.name),
      description: input.description ?? null,
      groupId: input.groupId,
      createdAt: this.clock(),
      defaultBranch,
      protectedRefs: input.protectedRefs ?? [defaultBranch],
      sharedRunnersEnabled: input.sharedRunnersEnabled ?? true,
    };
    this.store.projects.set(project.id, project);
    return project;
  }

  isProtectedRef(project: Project, ref: string): boolean {
    return project.protectedRefs.some((pattern) => wildcard(pattern).test(ref));
  }

  createPipeline(spec: PipelineSpec): Pipeline {
    const project = this.store.project(spec.projectId);
    if (!project) throw new Error(`no project ${spec.projectId}`);
    if (spec.jobs.length === 0) throw new Error('a pipeline needs at least one job');
    const now = this.clock();
    const iid = [...this.store.pipelines.values()].filter((p) => p.projectId === project.id).length + 1;
    const pipeline: Pipeline = {
      id: this.store.nextId('pipeline'),
      iid,
      projectId: project.id,
      ref: spec.ref,
      tag: spec.tag ?? false,
      sha: this.random.hex(40),
      beforeSha: '0000000000000000000000000000000000000000',
      protected: this.isProtectedRef(project, spec.ref),
      source: spec.source ?? 'push',
      createdAt: now,
      updatedAt: now,
      status: 'created',
    };
    this.store.pipelines.set(pipeline.id, pipeline);
    const stages = [...new Set(spec.jobs.map((j) => j.stage))];
    for (const jobSpec of spec.jobs) {
      const job: Job = {
        id: this.store.nextId('job'),
        projectId: project.id,
        pipelineId: pipeline.id,
        name: jobSpec.name,
        stage: jobSpec.stage,
        stageIndex: stages.indexOf(jobSpec.stage),
        tagList: [...new Set(jobSpec.tags ?? [])],
        allowFailure: jobSpec.allowFailure ?? false,
        timeoutSeconds: jobSpec.timeoutSeconds ?? 3600,
        image: jobSpec.image ?? 'alpine:3.20',
        script: jobSpec.script ?? [`echo "${jobSpec.name}"`],
        plan: jobSpec.plan ?? null,
        userId: this.userId(),
        createdAt: now,
        status: 'created',
        queuedAt: null,
        startedAt: null,
        finishedAt: null,
        runnerId: null,
        runnerManagerId: null,
        token: null,
        trace: Buffer.alloc(0),
        failureReason: null,
        updatedAt: now,
      };
      this.store.jobs.set(job.id, job);
    }
    this.process(pipeline);
    return pipeline;
  }

  canPick(runner: Runner, job: Job): boolean {
    const project = this.store.project(job.projectId);
    const pipeline = this.store.pipelines.get(job.pipelineId);
    if (!project || !pipeline || runner.paused) return false;
    const serves =
      runner.runnerType === 'instance_type'
        ? project.sharedRunnersEnabled
        : runner.runnerType === 'group_type'
          ? runner.groupId === project.groupId
          : runner.projectIds.includes(project.id);
    if (!serves) return false;
    const tagsOk =
      job.tagList.length === 0 ? runner.runUntagged : job.tagList.every((t) => runner.tagList.includes(t));
    if (!tagsOk) return false;
    return runner.accessLevel === 'not_protected' || pipeline.protected;
  }

  /** POST /jobs/request: assigns the next job this runner may take, or undefined. */
  assignJob(runner: Runner, manager: RunnerManager | undefined): Job | undefined {
    const candidates = [...this.store.jobs.values()].filter(
      (j) => j.status === 'pending' && this.canPick(runner, j),
    );
    if (candidates.length === 0) return undefined;
    const job =
      runner.runnerType === 'instance_type'
        ? this.fairOrder(candidates)[0]
        : candidates.sort((a, b) => a.id - b.id)[0];
    if (!job) return undefined;
    const now = this.clock();
    job.status = 'running';
    job.startedAt = now;
    job.updatedAt = now;
    job.runnerId = runner.id;
    job.runnerManagerId = manager?.id ?? null;
    job.token = this.random.jobToken();
    this.process(this.pipelineOf(job));
    return job;
  }

  /** PATCH /jobs/:id/trace: data must start where the stored trace ends. */
  appendTrace(job: Job, start: number, data: Buffer): TraceAppend {
    if (start !== job.trace.length) return { ok: false, size: job.trace.length };
    job.trace = Buffer.concat([job.trace, data]);
    job.updatedAt = this.clock();
    return { ok: true, size: job.trace.length };
  }

  /** The job ends (PUT /jobs/:id with state success or failed, or a cancel). */
  finish(job: Job, status: 'success' | 'failed' | 'canceled', failureReason?: string): void {
    if (FINISHED_STATUSES.includes(job.status)) return;
    const now = this.clock();
    job.status = status;
    job.finishedAt = now;
    job.updatedAt = now;
    job.failureReason = status === 'failed' ? (failureReason ?? 'unknown_failure') : null;
    this.process(this.pipelineOf(job));
  }

  cancel(jobId: number): Job {
    const job = this.store.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    this.finish(job, 'canceled');
    return job;
  }

  /** Gives every runner that may take `job` a new queue value, so a cached "no job" answer is not reused. */
  tickRunnersFor(job: Job): void {
    for (const runner of this.store.runners.values()) if (this.canPick(runner, job)) this.tick(runner);
  }

  tick(runner: Runner): void {
    runner.queueValue = this.random.hex(16);
  }

  private pipelineOf(job: Job): Pipeline {
    const pipeline = this.store.pipelines.get(job.pipelineId);
    if (!pipeline) throw new Error(`job ${job.id} has no pipeline`);
    return pipeline;
  }

  /** Moves the pipeline on: queue the next stage, skip what a failure blocks, derive the pipeline status. */
  private process(pipeline: Pipeline): void {
    const jobs = this.store
      .jobsOfPipeline(pipeline.id)
      .sort((a, b) => a.stageIndex - b.stageIndex || a.id - b.id);
    const stages = [...new Set(jobs.map((j) => j.stageIndex))];
    const now = this.clock();
    let failed = false;
    for (const stage of stages) {
      const stageJobs = jobs.filter((j) => j.stageIndex === stage);
      if (failed) {
        for (const job of stageJobs.filter((j) => j.status === 'created')) {
          job.status = 'skipped';
          job.updatedAt = now;
        }
        continue;
      }
      for (const job of stageJobs.filter((j) => j.status === 'created')) {
        job.status = 'pending';
        job.queuedAt = now;
        job.updatedAt = now;
        this.tickRunnersFor(job);
      }
      if (stageJobs.some((j) => !FINISHED_STATUSES.includes(j.status))) break;
      failed = stageJobs.some((j) => (j.status === 'failed' && !j.allowFailure) || j.status === 'canceled');
    }
    pipeline.status = pipelineStatus(jobs);
    pipeline.updatedAt = now;
  }

  private fairOrder(candidates: Job[]): Job[] {
    const runningOnInstance = new Map<number, number>();
    for (const job of this.store.jobs.values()) {
      if (job.status !== 'running' || job.runnerId === null) continue;
      if (this.store.runners.get(job.runnerId)?.runnerType !== 'instance_type') continue;
      runningOnInstance.set(job.projectId, (runningOnInstance.get(job.projectId) ?? 0) + 1);
    }
    const load = (job: Job): number => runningOnInstance.get(job.projectId) ?? 0;
    return candidates.sort((a, b) => load(a) - load(b) || a.id - b.id);
  }
}

function pipelineStatus(jobs: readonly Job[]): Pipeline['status'] {
  const has = (status: Job['status']): boolean => jobs.some((j) => j.status === status);
  if (has('running')) return 'running';
  if (has('pending')) return jobs.some((j) => j.startedAt !== null) ? 'running' : 'pending';
  if (jobs.every((j) => j.status === 'created')) return 'created';
  if (jobs.some((j) => j.status === 'failed' && !j.allowFailure)) return 'failed';
  if (has('canceled')) return 'canceled';
  if (jobs.every((j) => j.status === 'skipped')) return 'skipped';
  return 'success';
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
