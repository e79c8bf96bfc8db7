/**
 * The JSON GitLab sends for each record, field for field (API::Entities::Ci::Runner, RunnerDetails,
 * RunnerManager, Job, JobBasicWithProject, PipelineBasic, ProjectIdentity, UserBasic, Commit,
 * PersonalAccessToken, and the runner API's JobRequest::Response). Dates are ISO 8601 with milliseconds, as
 * GitLab's API writes them.
 */
import type { Clock } from './clock.js';
import type { AccessToken, Job, Pipeline, Project, Runner, RunnerManager, Store, User } from './model.js';
import type { Runners } from './runners.js';

export interface PresenterContext {
  readonly store: Store;
  readonly runners: Runners;
  readonly clock: Clock;
  /** `http://host:port` of the simulator, for web_url fields. */
  readonly baseUrl: string;
}

type Json = Record<string, unknown>;

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

export function userBasic(ctx: PresenterContext, user: User): Json {
  return {
    id: user.id,
    username: user.username,
    public_email: null,
    name: user.name,
    state: 'active',
    locked: false,
    avatar_url: null,
    web_url: `${ctx.baseUrl}/${user.username}`,
  };
}

export function user(ctx: PresenterContext, record: User): Json {
  return {
    ...userBasic(ctx, record),
    created_at: iso(record.createdAt),
    bio: '',
    location: '',
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    organization: '',
    job_title: '',
    pronouns: null,
    bot: false,
    work_information: null,
    followers: 0,
    following: 0,
    local_time: null,
  };
}

export function projectPath(ctx: PresenterContext, project: Project): { path: string; name: string } {
  const group = ctx.store.groups.get(project.groupId);
  return {
    path: `${group?.path ?? 'root'}/${project.path}`,
    name: `${group?.name ?? 'root'} / ${project.name}`,
  };
}

export function projectIdentity(ctx: PresenterContext, project: Project): Json {
  const full = projectPath(ctx, project);
  return {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: full.name,
    path: project.path,
    path_with_namespace: full.path,
    created_at: iso(project.createdAt),
  };
}

export function runner(ctx: PresenterContext, record: Runner): Json {
  const creator = ctx.store.users.get(record.creatorId);
  const busy = [...ctx.store.jobs.values()].some((j) => j.runnerId === record.id && j.status === 'running');
  return {
    id: record.id,
    description: record.description,
    ip_address: null,
    active: !record.paused,
    paused: record.paused,
    is_shared: record.runnerType === 'instance_type',
    runner_type: record.runnerType,
    name: null,
    online: ctx.runners.online(record.contactedAt),
    ...(creator && { created_by: userBasic(ctx, creator) }),
    created_at: iso(record.createdAt),
    status: ctx.runners.restStatus(record),
    job_execution_status: busy ? 'active' : 'idle',
  };
}

export function runnerDetails(ctx: PresenterContext, record: Runner): Json {
  const latest = ctx.runners.latestManager(record);
  const group = record.groupId === null ? undefined : ctx.store.groups.get(record.groupId);
  return {
    ...runner(ctx, record),
    tag_list: [...record.tagList],
    run_untagged: record.runUntagged,
    locked: record.locked,
    maximum_timeout: record.maximumTimeout,
    access_level: record.accessLevel,
    version: latest?.version ?? null,
    revision: latest?.revision ?? null,
    platform: latest?.platform ?? null,
    architecture: latest?.architecture ?? null,
    contacted_at: iso(record.contactedAt),
    maintenance_note: record.maintenanceNote,
    projects: record.projectIds.flatMap((id) => {
      const project = ctx.store.project(id);
      if (!project) return [];
      const { id: pid, name, name_with_namespace, path, path_with_namespace } = projectIdentity(ctx, project);
      return [{ id: pid, name, name_with_namespace, path, path_with_namespace }];
    }),
    groups: group ? [{ id: group.id, web_url: `${ctx.baseUrl}/groups/${group.path}`, name: group.name }] : [],
  };
}

export function runnerManager(ctx: PresenterContext, manager: RunnerManager): Json {
  const busy = [...ctx.store.jobs.values()].some(
    (j) => j.runnerManagerId === manager.id && j.status === 'running',
  );
  return {
    id: manager.id,
    system_id: manager.systemId,
    version: manager.version,
    revision: manager.revision,
    platform: manager.platform,
    architecture: manager.architecture,
    created_at: iso(manager.createdAt),
    contacted_at: iso(manager.contactedAt),
    ip_address: manager.ipAddress,
    status: ctx.runners.status(manager),
    job_execution_status: busy ? 'active' : 'idle',
  };
}

export function pipelineBasic(ctx: PresenterContext, pipeline: Pipeline): Json {
  const project = ctx.store.project(pipeline.projectId);
  const path = project ? projectPath(ctx, project).path : '';
  return {
    id: pipeline.id,
    iid: pipeline.iid,
    project_id: pipeline.projectId,
    sha: pipeline.sha,
    ref: pipeline.ref,
    status: pipeline.status,
    source: pipeline.source,
    created_at: iso(pipeline.createdAt),
    updated_at: iso(pipeline.updatedAt),
    web_url: `${ctx.baseUrl}/${path}/-/pipelines/${pipeline.id}`,
  };
}

function commit(ctx: PresenterContext, pipeline: Pipeline, project: Project, author: User | undefined): Json {
  const title = `Update ${pipeline.ref}`;
  const email = `${author?.username ?? 'root'}@example.com`;
  return {
    id: pipeline.sha,
    short_id: pipeline.sha.slice(0, 8),
    created_at: iso(pipeline.createdAt),
    parent_ids: [pipeline.beforeSha],
    title,
    message: title,
    author_name: author?.name ?? 'Administrator',
    author_email: email,
    authored_date: iso(pipeline.createdAt),
    committer_name: author?.name ?? 'Administrator',
    committer_email: email,
    committed_date: iso(pipeline.createdAt),
    trailers: {},
    extended_trailers: {},
    web_url: `${ctx.baseUrl}/${projectPath(ctx, project).path}/-/commit/${pipeline.sha}`,
  };
}

function seconds(from: Date | null, to: Date | null, now: Date): number | null {
  if (!from) return null;
  return ((to ?? now).getTime() - from.getTime()) / 1000;
}

/** JobBasic: what both the project jobs API and the runner jobs API start from. */
function jobBasic(ctx: PresenterContext, job: Job): Json {
  const pipeline = ctx.store.pipelines.get(job.pipelineId);
  const project = ctx.store.project(job.projectId);
  if (!pipeline || !project) throw new Error(`job ${job.id} lost its pipeline or project`);
  const author = ctx.store.users.get(job.userId);
  const now = ctx.clock();
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: pipeline.ref,
    tag: pipeline.tag,
    coverage: null,
    allow_failure: job.allowFailure,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    erased_at: null,
    duration: seconds(job.startedAt, job.finishedAt, now),
    queued_duration: seconds(job.queuedAt, job.startedAt, now),
    user: author ? user(ctx, author) : null,
    commit: commit(ctx, pipeline, project, author),
    pipeline: pipelineBasic(ctx, pipeline),
    ...(job.status === 'failed' && { failure_reason: job.failureReason }),
    web_url: `${ctx.baseUrl}/${projectPath(ctx, project).path}/-/jobs/${job.id}`,
    project: { ci_job_token_scope_enabled: false },
  };
}

/** API::Entities::Ci::Job (GET /projects/:id/jobs and /jobs/:job_id). */
export function job(ctx: PresenterContext, record: Job): Json {
  const assigned = record.runnerId === null ? undefined : ctx.store.runners.get(record.runnerId);
  const manager =
    record.runnerManagerId === null ? undefined : ctx.store.managers.get(record.runnerManagerId);
  return {
    ...jobBasic(ctx, record),
    artifacts: [],
    runner: assigned ? runner(ctx, assigned) : null,
    runner_manager: manager ? runnerManager(ctx, manager) : null,
    artifacts_expire_at: null,
    archived: false,
    tag_list: [...record.tagList].sort(),
  };
}

/** API::Entities::Ci::JobBasicWithProject (GET /runners/:id/jobs). */
export function jobWithProject(ctx: PresenterContext, record: Job): Json {
  const project = ctx.store.project(record.projectId);
  return { ...jobBasic(ctx, record), project: project ? projectIdentity(ctx, project) : null };
}

export function personalAccessToken(record: AccessToken, active: boolean): Json {
  return {
    id: record.id,
    name: record.name,
    revoked: record.revoked,
    created_at: iso(record.createdAt),
    description: record.description,
    scopes: [...record.scopes],
    user_id: record.userId,
    last_used_at: iso(record.lastUsedAt),
    active,
    expires_at: record.expiresAt,
  };
}

/** The runner API's job payload (POST /jobs/request, 201), with what gitlab-runner reads from it. */
export function jobPayload(ctx: PresenterContext, record: Job, assigned: Runner): Json {
  const pipeline = ctx.store.pipelines.get(record.pipelineId);
  const project = ctx.store.project(record.projectId);
  if (!pipeline || !project) throw new Error(`job ${record.id} lost its pipeline or project`);
  const full = projectPath(ctx, project);
  const timeout = Math.min(record.timeoutSeconds, assigned.maximumTimeout ?? Infinity);
  const variable = (key: string, value: string, extra: Json = {}): Json => ({
    key,
    value,
    public: true,
    file: false,
    masked: false,
    ...extra,
  });
  const variables = [
    variable('CI', 'true'),
    variable('GITLAB_CI', 'true'),
    variable('CI_SERVER_URL', ctx.baseUrl),
    variable('CI_JOB_ID', String(record.id)),
    variable('CI_JOB_NAME', record.name),
    variable('CI_JOB_STAGE', record.stage),
    variable('CI_JOB_TOKEN', record.token ?? '', { public: false, masked: true }),
    variable('CI_JOB_URL', `${ctx.baseUrl}/${full.path}/-/jobs/${record.id}`),
    variable('CI_JOB_TIMEOUT', String(timeout)),
    variable('CI_PIPELINE_ID', String(pipeline.id)),
    variable('CI_PIPELINE_IID', String(pipeline.iid)),
    variable('CI_PROJECT_ID', String(project.id)),
    variable('CI_PROJECT_NAME', project.path),
    variable('CI_PROJECT_PATH', full.path),
    variable('CI_COMMIT_SHA', pipeline.sha),
    variable('CI_COMMIT_REF_NAME', pipeline.ref),
    variable('CI_COMMIT_REF_PROTECTED', String(pipeline.protected)),
    ...(pipeline.tag
      ? [variable('CI_COMMIT_TAG', pipeline.ref)]
      : [variable('CI_COMMIT_BRANCH', pipeline.ref)]),
    variable('CI_RUNNER_ID', String(assigned.id)),
    variable('CI_RUNNER_DESCRIPTION', assigned.description),
    variable('CI_RUNNER_TAGS', JSON.stringify(assigned.tagList)),
    ...(record.plan
      ? [
          variable('SIM_JOB_DURATION_SECONDS', String(record.plan.durationSeconds)),
          variable('SIM_JOB_OUTCOME', record.plan.outcome),
        ]
      : []),
  ];
  const queued = seconds(record.queuedAt, record.startedAt, ctx.clock()) ?? 0;
  return {
    id: record.id,
    token: record.token,
    allow_git_fetch: true,
    job_info: {
      id: record.id,
      name: record.name,
      stage: record.stage,
      project_id: project.id,
      project_name: project.name,
      project_full_path: full.path,
      pipeline_id: pipeline.id,
      namespace_id: project.groupId,
      root_namespace_id: project.groupId,
      user_id: record.userId,
      time_in_queue_seconds: queued,
      project_jobs_running_on_instance_runners_count: '0',
      queue_size: 0,
      queue_depth: 0,
    },
    git_info: {
      repo_url: `${ctx.baseUrl.replace('://', '://gitlab-ci-token:' + (record.token ?? '') + '@')}/${full.path}.git`,
      repo_object_format: 'sha1',
      ref: pipeline.ref,
      sha: pipeline.sha,
      before_sha: pipeline.beforeSha,
      ref_type: pipeline.tag ? 'tag' : 'branch',
      refspecs: [
        pipeline.tag
          ? `+refs/tags/${pipeline.ref}:refs/tags/${pipeline.ref}`
          : `+refs/heads/${pipeline.ref}:refs/remotes/origin/${pipeline.ref}`,
      ],
      depth: 20,
      protected: pipeline.protected,
    },
    runner_info: { timeout, runner_session_url: null },
    variables,
    steps: [
      {
        name: 'script',
        script: [...record.script],
        timeout,
        when: 'on_success',
        allow_failure: record.allowFailure,
      },
    ],
    image: { name: record.image, entrypoint: null, ports: [], pull_policy: null },
    services: [],
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
    features: {
      trace_sections: true,
      failure_reasons: ['unknown_failure', 'script_failure', 'runner_system_failure'],
    },
  };
}
