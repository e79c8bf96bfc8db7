/**
 * GitlabSimulator: an in-memory GitLab served over HTTP (node:http) with the REST v4 routes Paddock uses and the
 * runner API. Every request is counted (`requests`), may be intercepted by an injected fault (`faults`), is
 * routed, and errors leave in GitLab's shapes. Tests and scripts drive it programmatically: access tokens, users,
 * groups, projects and pipelines can be created directly, jobs cancelled, and an optional job generator keeps
 * pipelines coming.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessTokens, type CreateAccessTokenOptions } from './access-tokens.js';
import { Ci, type CreateProjectInput, type PipelineSpec } from './ci.js';
import { systemClock, type Clock } from './clock.js';
import { ApiError, bareError, serverError } from './errors.js';
import { Faults, RequestLog } from './faults.js';
import { JobGenerator, type JobGeneratorOptions } from './job-generator.js';
import {
  Store,
  type AccessToken,
  type Group,
  type Job,
  type Pipeline,
  type Project,
  type User,
} from './model.js';
import { queryToParams } from './params.js';
import { Random } from './random.js';
import { Router, type HttpMethod, type SimReply, type SimRequest } from './router.js';
import { registerRestJobRoutes } from './routes/rest-jobs.js';
import { registerRestProjectRoutes } from './routes/rest-projects.js';
import { registerRestMetaRoutes } from './routes/rest-meta.js';
import { registerRestRunnerRoutes } from './routes/rest-runners.js';
import { registerRunnerApiRoutes } from './routes/runner-api.js';
import { Runners } from './runners.js';
import type { SimServices } from './services.js';

export const API_PREFIX = '/api/v4';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface GitlabSimulatorOptions {
  /** The administrator's personal access token (scope `api`); random (`glpat-…`) when absent. */
  readonly adminToken?: string;
  /** Makes tokens and generated data the same on every run. */
  readonly seed?: number;
  readonly clock?: Clock;
  /** What GET /version reports; default 18.3.0. */
  readonly version?: string;
  readonly revision?: string;
  /** The instance's runner token expiration interval, in seconds; none: runner tokens do not expire. */
  readonly runnerTokenExpirationIntervalSeconds?: number;
  /** Fill the instance with projects and pipelines (see JobGenerator); off when absent. */
  readonly generator?: JobGeneratorOptions & {
    /** A new pipeline this often once listening; none: only the pipelines you ask for. */
    readonly pipelineIntervalMs?: number;
  };
  /** Base of web_url fields and pagination links; default `http://<Host header>`. */
  readonly externalUrl?: string;
  /** Where unexpected handler errors go (they answer 500); default stderr. */
  readonly onError?: (error: unknown) => void;
}

export class GitlabSimulator {
  readonly store = new Store();
  readonly requests = new RequestLog();
  readonly faults: Faults;
  readonly accessTokens: AccessTokens;
  readonly runners: Runners;
  readonly ci: Ci;
  readonly generator: JobGenerator | undefined;
  readonly admin: User;
  readonly adminToken: string;
  private readonly clock: Clock;
  private readonly router = new Router();
  private readonly options: GitlabSimulatorOptions;
  private server: Server | undefined;
  private address: AddressInfo | undefined;

  constructor(options: GitlabSimulatorOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const random = new Random(options.seed);
    this.faults = new Faults(this.clock);
    this.accessTokens = new AccessTokens(this.store, this.clock, random);
    this.ci = new Ci(this.store, this.clock, random, () => this.admin.id);
    const interval = options.runnerTokenExpirationIntervalSeconds;
    this.runners = new Runners(this.store, this.clock, random, {
      ...(interval !== undefined && { tokenExpirationIntervalMs: interval * 1000 }),
      onChanged: (runner) => this.ci.tick(runner),
    });
    this.admin = this.accessTokens.createUser('root', { admin: true, name: 'Administrator' });
    this.adminToken = this.accessTokens.create({
      name: 'admin',
      userId: this.admin.id,
      ...(options.adminToken !== undefined && { token: options.adminToken }),
    }).token;

    const services: SimServices = {
      store: this.store,
      clock: this.clock,
      tokens: this.accessTokens,
      runners: this.runners,
      ci: this.ci,
      version: { version: options.version ?? '18.3.0', revision: options.revision ?? '3e5b8f1a2c4' },
    };
    // The runner API first: its fixed paths (/runners/verify, DELETE /runners/managers) must win over /runners/:id.
    registerRunnerApiRoutes(this.router, services);
    registerRestRunnerRoutes(this.router, services);
    registerRestJobRoutes(this.router, services);
    registerRestProjectRoutes(this.router, services);
    registerRestMetaRoutes(this.router, services);

    if (options.generator) {
      this.generator = new JobGenerator(this.ci, {
        ...options.generator,
        ...(options.generator.seed === undefined && options.seed !== undefined && { seed: options.seed }),
      });
      this.generator.setUp();
    }
  }

  /** Starts serving; resolves with the base URL (`http://127.0.0.1:<port>`). */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) throw new Error('already listening');
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    const interval = this.options.generator?.pipelineIntervalMs;
    if (this.generator && interval !== undefined) this.generator.start(interval);
    return this.url;
  }

  get url(): string {
    if (!this.address) throw new Error('not listening');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}`;
  }

  async close(): Promise<void> {
    this.generator?.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** A personal access token for tests (scopes, expiry, owner); returns the record, `.token` is the secret. */
  createAccessToken(options: CreateAccessTokenOptions = {}): AccessToken {
    return this.accessTokens.create(options);
  }

  createUser(username: string, options: { admin?: boolean } = {}): User {
    return this.accessTokens.createUser(username, options);
  }

  createGroup(name: string): Group {
    return this.ci.createGroup(name);
  }

  createProject(input: CreateProjectInput): Project {
    return this.ci.createProject(input);
  }

  createPipeline(spec: PipelineSpec): Pipeline {
    return this.ci.createPipeline(spec);
  }

  job(id: number): Job | undefined {
    return this.store.jobs.get(id);
  }

  cancelJob(id: number): Job {
    return this.ci.cancel(id);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const inApi = url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
    const path = inApi ? url.pathname.slice(API_PREFIX.length) || '/' : url.pathname;
    const match = inApi ? this.router.match(method, path) : undefined;
    const route = match?.route.key ?? `${method} ${path}`;

    let reply: SimReply;
    try {
      const rawBody = await readBody(req);
      reply =
        this.faults.intercept(route) ??
        (match
          ? await match.route.handler(
              this.request(req, url, method as HttpMethod, path, match.pathParams, rawBody),
            )
          : { status: 404, json: bareError(404, '404 Not Found').body });
    } catch (error) {
      if (error instanceof ApiError) {
        reply = { status: error.status, headers: error.headers, json: error.body };
      } else {
        (this.options.onError ?? defaultOnError)(error);
        reply = { status: 500, json: serverError(500).body };
      }
    }
    this.requests.record({ method, path, route, status: reply.status, at: this.clock() });
    send(res, reply);
  }

  private request(
    req: IncomingMessage,
    url: URL,
    method: HttpMethod,
    path: string,
    pathParams: Record<string, string>,
    rawBody: Buffer,
  ): SimRequest {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    let body: Record<string, unknown> = {};
    if (rawBody.length > 0 && type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw bareError(400, 'The request body is not valid JSON');
      }
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
        body = parsed as Record<string, unknown>;
    } else if (rawBody.length > 0 && type === 'application/x-www-form-urlencoded') {
      body = queryToParams(new URLSearchParams(rawBody.toString('utf8')));
    }
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    return {
      method,
      path,
      pathParams,
      query: url.searchParams,
      params: { ...queryToParams(url.searchParams), ...body },
      rawBody,
      headers: req.headers,
      ip,
      baseUrl: this.options.externalUrl ?? `http://${req.headers.host ?? '127.0.0.1'}`,
    };
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw bareError(413, '413 Request Entity Too Large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: SimReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let body: string | undefined;
  if (reply.status !== 204 && reply.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(reply.json);
  } else if (reply.status !== 204 && reply.text !== undefined) {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    body = reply.text;
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}

function defaultOnError(error: unknown): void {
  process.stderr.write(
    `gitlab-sim: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
}
