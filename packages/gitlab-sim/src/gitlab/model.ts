/**
 * The simulated GitLab's records and the in-memory store that holds them. Records are plain mutable objects
 * owned by the store; services (access-tokens, runners, ci) change them and presenters turn them into GitLab's
 * JSON. Names follow GitLab's: a runner has managers (one per system_id), a pipeline has jobs (builds).
 */

export const RUNNER_TYPES = ['instance_type', 'group_type', 'project_type'] as const;
export type RunnerType = (typeof RUNNER_TYPES)[number];

export const ACCESS_LEVELS = ['not_protected', 'ref_protected'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** CommitStatus::AVAILABLE_STATUSES, the values `scope` of the jobs API accepts. */
export const JOB_STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'waiting_for_callback',
  'pending',
  'running',
  'success',
  'failed',
  'canceling',
  'canceled',
  'skipped',
  'manual',
  'scheduled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const FINISHED_STATUSES: readonly JobStatus[] = ['success', 'failed', 'canceled', 'skipped'];

export interface User {
  readonly id: number;
  readonly username: string;
  readonly name: string;
  readonly admin: boolean;
  readonly createdAt: Date;
}

export interface AccessToken {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly token: string;
  readonly userId: number;
  readonly scopes: readonly string[];
  /** A date (`YYYY-MM-DD`), as GitLab stores it; the token stops working at 00:00 UTC that day. */
  readonly expiresAt: string | null;
  revoked: boolean;
  readonly createdAt: Date;
  lastUsedAt: Date | null;
}

export interface Group {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly createdAt: Date;
}

export interface Project {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly description: string | null;
  readonly groupId: number;
  readonly createdAt: Date;
  readonly defaultBranch: string;
  /** Protected branch and tag names; `*` is a wildcard, as in GitLab's protected branch patterns. */
  readonly protectedRefs: readonly string[];
  sharedRunnersEnabled: boolean;
}

export interface Runner {
  readonly id: number;
  readonly runnerType: RunnerType;
  readonly groupId: number | null;
  readonly projectIds: number[];
  readonly creatorId: number;
  description: string;
  paused: boolean;
  locked: boolean;
  runUntagged: boolean;
  tagList: string[];
  accessLevel: AccessLevel;
  maximumTimeout: number | null;
  maintenanceNote: string | null;
  token: string;
  tokenExpiresAt: Date | null;
  readonly createdAt: Date;
  contactedAt: Date | null;
  /** GitLab's runner queue value: changes whenever a job this runner may take is queued (X-GitLab-Last-Update). */
  queueValue: string;
}

export interface RunnerManager {
  readonly id: number;
  readonly runnerId: number;
  readonly systemId: string;
  readonly createdAt: Date;
  contactedAt: Date | null;
  name: string | null;
  version: string | null;
  revision: string | null;
  platform: string | null;
  architecture: string | null;
  executor: string | null;
  ipAddress: string | null;
}

export interface Pipeline {
  readonly id: number;
  readonly iid: number;
  readonly projectId: number;
  readonly ref: string;
  readonly tag: boolean;
  readonly sha: string;
  readonly beforeSha: string;
  readonly protected: boolean;
  readonly source: string;
  readonly createdAt: Date;
  updatedAt: Date;
  status: JobStatus;
}

/** What the job generator intends a job to do; carried to the runner in the job's variables. */
export interface JobPlan {
  readonly durationSeconds: number;
  readonly outcome: 'success' | 'failed';
}

export interface Job {
  readonly id: number;
  readonly projectId: number;
  readonly pipelineId: number;
  readonly name: string;
  readonly stage: string;
  readonly stageIndex: number;
  readonly tagList: readonly string[];
  readonly allowFailure: boolean;
  readonly timeoutSeconds: number;
  readonly image: string;
  readonly script: readonly string[];
  readonly plan: JobPlan | null;
  readonly userId: number;
  readonly createdAt: Date;
  status: JobStatus;
  queuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  runnerId: number | null;
  runnerManagerId: number | null;
  token: string | null;
  trace: Buffer;
  failureReason: string | null;
  updatedAt: Date;
}

/** The records of one simulated GitLab, and their id sequences. */
export class Store {
  readonly users = new Map<number, User>();
  readonly accessTokens = new Map<number, AccessToken>();
  readonly groups = new Map<number, Group>();
  readonly projects = new Map<number, Project>();
  readonly runners = new Map<number, Runner>();
  readonly managers = new Map<number, RunnerManager>();
  readonly pipelines = new Map<number, Pipeline>();
  readonly jobs = new Map<number, Job>();
  private readonly sequences = new Map<string, number>();

  nextId(kind: 'user' | 'token' | 'group' | 'project' | 'runner' | 'manager' | 'pipeline' | 'job'): number {
    const next = (this.sequences.get(kind) ?? 0) + 1;
    this.sequences.set(kind, next);
    return next;
  }

  project(id: number): Project | undefined {
    return this.projects.get(id);
  }

  runnerByToken(token: string): Runner | undefined {
    for (const runner of this.runners.values()) if (runner.token === token) return runner;
    return undefined;
  }

  managersOf(runnerId: number): RunnerManager[] {
    return [...this.managers.values()].filter((m) => m.runnerId === runnerId);
  }

  jobsOfPipeline(pipelineId: number): Job[] {
    return [...this.jobs.values()].filter((j) => j.pipelineId === pipelineId);
  }
}
