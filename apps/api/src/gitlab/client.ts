/**
 * Paddock's GitLab client: the few REST v4 calls Paddock makes, typed and checked at the boundary. Calls gitbeaker
 * has (`Users.createCIRunner`, `Runners.show`/`remove`, `PersonalAccessTokens.show`) go through gitbeaker; the rest
 * (`GET /version`, `GET /runners/:id/managers`, `POST /runners/:id/reset_authentication_token`) are raw requests
 * through the same transport, so every call shares one GitLab's concurrency limit, timeout and 429 handling.
 *
 * `gitlabClients(...)` is the one place clients are made: `gitlabClientFor(instance)` decrypts a stored access
 * token only when a request needs it and never keeps the plaintext on an object that could be logged.
 */
import { PersonalAccessTokens, Runners, Users } from '@gitbeaker/rest';
import { z } from 'zod';
import type { SecretBox } from '../lib/secrets.js';
import { GitlabUnreachableError } from './errors.js';
import { createLimiter, type Limiter } from './limiter.js';
import { createTransport, gitbeakerRequester, type Transport, type TransportOptions } from './transport.js';
import {
  GroupProject,
  Job,
  ProtectedRef,
  RunnerOwners,
  RunnerSummary,
  type GitlabGroupProject,
  type GitlabJob,
  type GitlabRunnerSummary,
} from './listings.js';
import { allPages } from './pagination.js';

const Version = z.object({ version: z.string().min(1), revision: z.string().optional() });
export type GitlabVersion = z.infer<typeof Version>;

const AccessTokenInfo = z.object({
  id: z.number(),
  name: z.string(),
  scopes: z.array(z.string()),
  revoked: z.boolean(),
  active: z.boolean(),
  /** `YYYY-MM-DD` (the token stops working at the start of that day, UTC); null: never */
  expires_at: z.string().nullable(),
});
export type AccessTokenInfo = z.infer<typeof AccessTokenInfo>;

const CreatedRunner = z.object({
  id: z.number().int(),
  token: z.string().min(1),
  token_expires_at: z.string().nullable(),
});
/** The answer of `POST /user/runners`: the runner's id and its one authentication token. */
export type CreatedRunner = z.infer<typeof CreatedRunner>;

const JobStatus = z.looseObject({ id: z.number().int(), status: z.string() });

const NewRunnerToken = z.object({ token: z.string().min(1), token_expires_at: z.string().nullable() });
export type NewRunnerToken = z.infer<typeof NewRunnerToken>;

const RunnerDetails = z.looseObject({
  id: z.number().int(),
  description: z.string().nullable(),
  runner_type: z.enum(['instance_type', 'group_type', 'project_type']),
  paused: z.boolean(),
  locked: z.boolean(),
  run_untagged: z.boolean(),
  tag_list: z.array(z.string()),
  access_level: z.enum(['not_protected', 'ref_protected']),
  maximum_timeout: z.number().int().nullable(),
  maintenance_note: z.string().nullable().optional(),
  status: z.string(),
  contacted_at: z.string().nullable(),
});
export type GitlabRunnerDetails = z.infer<typeof RunnerDetails>;
/** A runner's details and who owns it: a group runner's groups, a project runner's projects. */
export type GitlabRunnerWithOwners = GitlabRunnerDetails & { groupIds: number[]; projectIds: number[] };

const RunnerManagers = z.array(
  z.looseObject({
    id: z.number().int(),
    system_id: z.string(),
    version: z.string().nullable(),
    revision: z.string().nullable(),
    platform: z.string().nullable(),
    architecture: z.string().nullable(),
    ip_address: z.string().nullable(),
    status: z.string(),
    contacted_at: z.string().nullable(),
    created_at: z.string(),
  }),
);
export type GitlabRunnerManager = z.infer<typeof RunnerManagers>[number];

export interface CreateRunnerInput {
  runnerType: 'instance_type' | 'group_type' | 'project_type';
  groupId?: number;
  projectId?: number;
  description?: string;
  paused?: boolean;
  locked?: boolean;
  runUntagged?: boolean;
  tagList?: string[];
  accessLevel?: 'not_protected' | 'ref_protected';
  maximumTimeout?: number;
  maintenanceNote?: string;
}

export interface UpdateRunnerInput {
  paused?: boolean;
  description?: string;
  tagList?: string[];
  runUntagged?: boolean;
  locked?: boolean;
  accessLevel?: 'not_protected' | 'ref_protected';
  maximumTimeout?: number;
  maintenanceNote?: string;
}

export interface GitlabClient {
  /** the GitLab's base URL, as connected */
  readonly url: string;
  /** `GET /version` */
  version(): Promise<GitlabVersion>;
  /** `GET /personal_access_tokens/self`: the access token this client uses */
  currentToken(): Promise<AccessTokenInfo>;
  /** `POST /user/runners` */
  createRunner(input: CreateRunnerInput): Promise<CreatedRunner>;
  /** `GET /runners/:id` */
  runner(id: number): Promise<GitlabRunnerDetails>;
  /** `DELETE /runners/:id` */
  deleteRunner(id: number): Promise<void>;
  /** `GET /runners/:id/managers` */
  runnerManagers(id: number): Promise<GitlabRunnerManager[]>;
  /** `POST /runners/:id/reset_authentication_token` */
  resetRunnerToken(id: number): Promise<NewRunnerToken>;
  /** `PUT /runners/:id`: change a runner's settings in GitLab (only the fields given) */
  updateRunner(id: number, changes: UpdateRunnerInput): Promise<GitlabRunnerDetails>;
  /** `GET /projects/:id/jobs/:job_id/trace`: the job's whole log so far, as bytes */
  jobTrace(projectId: number, jobId: number): Promise<Buffer>;
  /** `GET /projects/:id/jobs/:job_id`, its status only (`running`, `success`, …) */
  jobStatus(projectId: number, jobId: number): Promise<string>;
  // Lists the GitLab sync reads (shapes in listings.ts). Paginated ones follow every page through X-Next-Page.
  /** `GET /runners/all` (administrators only): every runner of this GitLab */
  allRunners(): Promise<GitlabRunnerSummary[]>;
  /** `GET /runners/:id`, with the ids of the groups or projects the runner belongs to */
  runnerWithOwners(id: number): Promise<GitlabRunnerWithOwners>;
  /** `GET /projects/:id/jobs?scope[]=…`: the project's jobs in those states, newest first */
  projectJobs(projectId: number, scopes: readonly string[]): Promise<GitlabJob[]>;
  /** `GET /projects/:id/jobs/:job_id` */
  projectJob(projectId: number, jobId: number): Promise<GitlabJob>;
  /** `GET /groups/:id/projects?include_subgroups=true`: the group's own projects and its subgroups' */
  groupProjects(groupId: number): Promise<GitlabGroupProject[]>;
  /** `GET /projects/:id/protected_branches` or `…/protected_tags`: names and `*` patterns */
  protectedRefNames(projectId: number, kind: 'branches' | 'tags'): Promise<string[]>;
}

/** Checks what GitLab answered; a body of another shape means the URL is not (this version of) GitLab's API. */
function parsed<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue?.path.length ? ` (${issue.path.join('.')}: ${issue.message})` : '';
    throw new GitlabUnreachableError(`${where} answered something that is not GitLab's API${at}.`);
  }
  return result.data;
}

/** A client over a transport; `token` is asked for on every request. */
export function createGitlabClient(
  url: string,
  token: () => Promise<string>,
  transport: Transport,
): GitlabClient {
  // gitbeaker's own timeout is off: the transport times each attempt, so a 429 wait does not count against it.
  const options = { host: url, token, requesterFn: gitbeakerRequester(transport), queryTimeout: null };
  const users = new Users(options);
  const runners = new Runners(options);
  const tokens = new PersonalAccessTokens(options);
  const raw = runners.requester;
  const where = (route: string) => `GitLab at ${url} (${route})`;

  return {
    url,
    async version() {
      return parsed(Version, (await raw.get('version')).body, where('GET /version'));
    },
    async currentToken() {
      return parsed(AccessTokenInfo, await tokens.show(), where('GET /personal_access_tokens/self'));
    },
    async createRunner(input) {
      const { runnerType, ...rest } = input;
      return parsed(CreatedRunner, await users.createCIRunner(runnerType, rest), where('POST /user/runners'));
    },
    async runner(id) {
      return parsed(RunnerDetails, await runners.show(id), where('GET /runners/:id'));
    },
    async deleteRunner(id) {
      await runners.remove({ runnerId: id });
    },
    async runnerManagers(id) {
      const response = await raw.get(`runners/${id}/managers`);
      return parsed(RunnerManagers, response.body, where('GET /runners/:id/managers'));
    },
    async resetRunnerToken(id) {
      const response = await raw.post(`runners/${id}/reset_authentication_token`);
      return parsed(NewRunnerToken, response.body, where('POST /runners/:id/reset_authentication_token'));
    },
    async updateRunner(id, changes) {
      // GitLab's field names; gitbeaker would rename camelCase keys too, but the raw call keeps this explicit.
      const body = Object.fromEntries(
        Object.entries({
          paused: changes.paused,
          description: changes.description,
          tag_list: changes.tagList,
          run_untagged: changes.runUntagged,
          locked: changes.locked,
          access_level: changes.accessLevel,
          maximum_timeout: changes.maximumTimeout,
          maintenance_note: changes.maintenanceNote,
        }).filter(([, v]) => v !== undefined),
      );
      const response = await raw.put(`runners/${id}`, { body });
      return parsed(RunnerDetails, response.body, where('PUT /runners/:id'));
    },
    async jobTrace(projectId, jobId) {
      const response = await raw.get(`projects/${projectId}/jobs/${jobId}/trace`);
      const body: unknown = response.body;
      if (typeof body === 'string') return Buffer.from(body, 'utf8');
      if (body instanceof ArrayBuffer) return Buffer.from(body);
      if (body instanceof Uint8Array) return Buffer.from(body);
      // An empty log may come back as an empty object or nothing at all.
      if (body === null || body === undefined || (typeof body === 'object' && Object.keys(body).length === 0))
        return Buffer.alloc(0);
      throw new GitlabUnreachableError(
        `${where('GET /projects/:id/jobs/:job_id/trace')} did not answer a log.`,
      );
    },
    async jobStatus(projectId, jobId) {
      const response = await raw.get(`projects/${projectId}/jobs/${jobId}`);
      return parsed(JobStatus, response.body, where('GET /projects/:id/jobs/:job_id')).status;
    },
    async allRunners() {
      return allPages(
        (searchParams) => raw.get('runners/all', { searchParams }),
        {},
        (body) => parsed(z.array(RunnerSummary), body, where('GET /runners/all')),
        where('GET /runners/all'),
      );
    },
    async runnerWithOwners(id) {
      const body = await runners.show(id);
      const details = parsed(RunnerDetails, body, where('GET /runners/:id'));
      const owners = parsed(RunnerOwners, body, where('GET /runners/:id'));
      return {
        ...details,
        groupIds: owners.groups.map((g) => g.id),
        projectIds: owners.projects.map((p) => p.id),
      };
    },
    async projectJobs(projectId, scopes) {
      return allPages(
        (searchParams) => raw.get(`projects/${projectId}/jobs`, { searchParams }),
        { scope: [...scopes] },
        (body) => parsed(z.array(Job), body, where('GET /projects/:id/jobs')),
        where('GET /projects/:id/jobs'),
      );
    },
    async projectJob(projectId, jobId) {
      const response = await raw.get(`projects/${projectId}/jobs/${jobId}`);
      return parsed(Job, response.body, where('GET /projects/:id/jobs/:job_id'));
    },
    async groupProjects(groupId) {
      // Projects shared into the group from elsewhere are not the group's: their jobs belong to their own group.
      return allPages(
        (searchParams) => raw.get(`groups/${groupId}/projects`, { searchParams }),
        { include_subgroups: true, with_shared: false, simple: true },
        (body) => parsed(z.array(GroupProject), body, where('GET /groups/:id/projects')),
        where('GET /groups/:id/projects'),
      );
    },
    async protectedRefNames(projectId, kind) {
      const route = `GET /projects/:id/protected_${kind}`;
      const refs = await allPages(
        (searchParams) => raw.get(`projects/${projectId}/protected_${kind}`, { searchParams }),
        {},
        (body) => parsed(z.array(ProtectedRef), body, where(route)),
        where(route),
      );
      return refs.map((r) => r.name);
    },
  };
}

export interface GitlabClientOptions extends Omit<TransportOptions, 'limiter'> {
  /** requests to one GitLab that may be in flight at once */
  concurrency: number;
}

export interface RequestObserver {
  /** one request is about to be sent (a 429 retried inside the transport counts once) */
  onRequest(): void;
}

function observed(transport: Transport, observer: RequestObserver | undefined): Transport {
  if (!observer) return transport;
  return {
    send(method, endpoint, request) {
      observer.onRequest();
      return transport.send(method, endpoint, request);
    },
  };
}

/** Makes clients; clients of the same GitLab URL share one limiter, however many are made. */
export interface GitlabClients {
  /**
   * a client using a connected instance's stored access token; `observer.onRequest` is told of every request it
   * sends (the sync counts what one run costs)
   */
  gitlabClientFor(
    instance: { url: string; accessTokenCiphertext: string },
    observer?: RequestObserver,
  ): GitlabClient;
  /** a client using an access token that is not stored (yet): checking it before it is saved */
  gitlabClientWithToken(url: string, accessToken: string): GitlabClient;
}

export function gitlabClients(deps: { secrets: SecretBox; options: GitlabClientOptions }): GitlabClients {
  const { secrets, options } = deps;
  const { concurrency, ...transportOptions } = options;
  const limiters = new Map<string, Limiter>();
  const transportFor = (url: string) => {
    const key = url.replace(/\/+$/, '').toLowerCase();
    let limiter = limiters.get(key);
    if (!limiter) {
      limiter = createLimiter(concurrency);
      limiters.set(key, limiter);
    }
    return createTransport(url, { ...transportOptions, limiter });
  };
  return {
    gitlabClientFor(instance, observer) {
      const { url, accessTokenCiphertext } = instance;
      return createGitlabClient(
        url,
        async () => secrets.decrypt(accessTokenCiphertext, 'gitlab-access-token'),
        observed(transportFor(url), observer),
      );
    },
    gitlabClientWithToken(url, accessToken) {
      return createGitlabClient(url, async () => accessToken, transportFor(url));
    },
  };
}
