/**
 * How every request to one GitLab travels: through that GitLab's concurrency limiter, with a timeout per attempt,
 * `Retry-After` honoured on 429 (a bounded number of times, and never longer than Paddock is willing to wait), a
 * failed DELETE tried again, redirects refused (a redirect would carry the access token to another address), and
 * every failure turned into one of the typed errors in errors.ts. gitbeaker's resources and Paddock's raw
 * requests share it through `gitbeakerRequester`, so both count against the same limit.
 */
import type { Users } from '@gitbeaker/rest';
import {
  GitlabRateLimitedError,
  GitlabRejectedError,
  GitlabTokenError,
  GitlabUnreachableError,
} from './errors.js';
import type { Limiter } from './limiter.js';

type RequesterFn = NonNullable<ConstructorParameters<typeof Users>[0]['requesterFn']>;
/** What gitbeaker hands a requester: base URL, headers and the auth header's getter. */
export type ResourceOptions = Parameters<RequesterFn>[0];
export type Requester = ReturnType<RequesterFn>;
type RequestOptions = NonNullable<Parameters<Requester['get']>[1]>;

export interface TransportOptions {
  /** shared by every client of the same GitLab */
  limiter: Limiter;
  /** per attempt, from sending the request to the last byte of the answer */
  timeoutMs: number;
  /** how often a 429 (or a failed DELETE) is retried before giving up */
  maxRetries: number;
  /** a `Retry-After` longer than this fails at once instead of holding the caller */
  maxRetryWaitMs: number;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** told what every attempt came to, a retried 429 included (the app's metrics count them) */
  onAnswer?: (outcome: GitlabOutcome) => void;
}

/** What one attempt came to: a 2xx, a 429, another 3xx/4xx, a 5xx, or no answer (timeout, network error). */
export const GITLAB_OUTCOMES = ['ok', 'rate_limited', 'rejected', 'server_error', 'unreachable'] as const;
export type GitlabOutcome = (typeof GITLAB_OUTCOMES)[number];

export function outcomeOf(status: number): GitlabOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'rejected';
}

export interface GitlabResponse {
  status: number;
  headers: Record<string, string>;
  /** parsed JSON, text, or null for an empty answer */
  body: unknown;
}

export interface Transport {
  /** `endpoint` is below `<gitlab>/api/v4/`, e.g. `runners/12/managers` */
  send(
    method: string,
    endpoint: string,
    request?: { headers?: Record<string, string>; body?: string; query?: string; signal?: AbortSignal },
  ): Promise<GitlabResponse>;
}

/**
 * A DELETE that fails (5xx, no answer) is tried again, `maxRetries` times with a growing pause: it is idempotent,
 * and giving up on one can leave something behind in GitLab, such as the runner a failed registration must
 * remove again. Other methods are not: a POST may have been carried out before its answer was lost, and reads
 * are repeated by their callers (the next sync run).
 */
const retriesFailures = (method: string) => method === 'DELETE';
/** The pause before the first retry of a failed DELETE, doubled for each further one. */
const FAILURE_RETRY_MS = 500;

/** Retry-After without a usable value: a short pause, growing with each attempt. */
const FALLBACK_RETRY_MS = 1000;
const MAX_MESSAGE_LENGTH = 500;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createTransport(gitlabUrl: string, options: TransportOptions): Transport {
  const base = `${gitlabUrl.replace(/\/+$/, '')}/api/v4/`;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const where = `GitLab at ${gitlabUrl}`;

  async function attempt(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response; text: string }> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetchFn(url, {
        method,
        headers,
        ...(body !== undefined && { body }),
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await response.text();
      options.onAnswer?.(outcomeOf(response.status));
      return { response, text };
    } catch (error) {
      // A caller that gave up is not GitLab's failure.
      if (signal?.aborted) throw error;
      options.onAnswer?.('unreachable');
      if (timeout.aborted) {
        throw new GitlabUnreachableError(
          `${where} did not answer ${method} /${url.pathname.split('/api/v4/')[1] ?? ''} within ${formatMs(options.timeoutMs)}.`,
        );
      }
      throw new GitlabUnreachableError(`${where} could not be reached (${networkReason(error)}).`);
    }
  }

  return {
    async send(method, endpoint, request = {}) {
      const url = new URL(endpoint.replace(/^\/+/, ''), base);
      if (request.query) url.search = request.query;
      const route = `${method} /${endpoint.replace(/^\/+/, '')}`;
      const headers = { accept: 'application/json', ...request.headers };
      // A throttled GitLab keeps its slot while Paddock waits: more parallel requests would only be throttled too.
      return options.limiter.run(async () => {
        let failedBefore = false;
        for (let retry = 0; ; retry += 1) {
          let answer: { response: Response; text: string };
          try {
            answer = await attempt(method, url, headers, request.body, request.signal);
          } catch (error) {
            if (!retriesFailures(method) || retry >= options.maxRetries || request.signal?.aborted)
              throw error;
            failedBefore = true;
            await sleep(FAILURE_RETRY_MS * 2 ** retry);
            continue;
          }
          const { response, text } = answer;
          if (response.status >= 500 && retriesFailures(method) && retry < options.maxRetries) {
            failedBefore = true;
            await sleep(FAILURE_RETRY_MS * 2 ** retry);
            continue;
          }
          // The failed attempt did delete it, and only its answer was lost: what was asked for is done.
          if (response.status === 404 && failedBefore) {
            return { status: 204, headers: {}, body: null };
          }
          if (response.status === 429) {
            const waitMs =
              retryAfterMs(response.headers.get('retry-after'), now()) ?? FALLBACK_RETRY_MS * 2 ** retry;
            if (retry >= options.maxRetries || waitMs > options.maxRetryWaitMs) {
              const seconds = Math.ceil(waitMs / 1000);
              throw new GitlabRateLimitedError(
                `${where} is rate limiting Paddock (${route}); it asks to wait ${seconds} s. Try again later, or ` +
                  "raise the API rate limits of the access token's user in GitLab.",
                seconds,
              );
            }
            await sleep(waitMs);
            continue;
          }
          return interpret(response, text, { where, route });
        }
      });
    },
  };
}

function interpret(response: Response, text: string, ctx: { where: string; route: string }): GitlabResponse {
  const { status } = response;
  const headers = Object.fromEntries(response.headers.entries());
  const isJson = (headers['content-type'] ?? '').split(';')[0]!.trim() === 'application/json';
  let body: unknown = text === '' ? null : text;
  if (isJson && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new GitlabUnreachableError(`${ctx.where} answered ${ctx.route} with malformed JSON.`);
    }
  }
  if (status >= 200 && status < 300) return { status, headers, body };
  if (status >= 300 && status < 400) {
    throw new GitlabRejectedError(
      status,
      `${ctx.where} redirects ${ctx.route} to ${headers.location ?? 'another address'}; connect Paddock to ` +
        'the address GitLab redirects to.',
    );
  }
  const { message, fields } = describeBody(body);
  if (status === 401) throw tokenRefused(message);
  if (status === 403) throw forbidden(body, message, ctx.route);
  if (status >= 400 && status < 500) throw new GitlabRejectedError(status, message || `${status}`, fields);
  throw new GitlabUnreachableError(
    `${ctx.where} failed on ${ctx.route}: ${message || `${status} ${response.statusText}`.trim()}.`,
  );
}

/**
 * GitLab's three error shapes: `{"message": "404 Runner Not Found"}`, `{"message": {"field": ["problem"]}}`, and
 * `{"error": "...", "error_description": "..."}` (parameter validation and OAuth); anything else is shown as text.
 */
export function describeBody(body: unknown): { message: string; fields: Record<string, string[]> } {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const { message, error, error_description: description } = body as Record<string, unknown>;
    if (typeof message === 'string') return { message: clip(message), fields: {} };
    if (message !== null && typeof message === 'object' && !Array.isArray(message)) {
      const fields: Record<string, string[]> = {};
      for (const [field, problems] of Object.entries(message as Record<string, unknown>)) {
        const list = (Array.isArray(problems) ? problems : [problems]).map((p) => clip(String(p)));
        fields[field] = list;
      }
      const text = Object.entries(fields)
        .map(([field, list]) => `${field} ${list.join(', ')}`)
        .join('; ');
      return { message: clip(text), fields };
    }
    if (typeof description === 'string') return { message: clip(description), fields: {} };
    if (typeof error === 'string') return { message: clip(error), fields: {} };
    return { message: clip(JSON.stringify(body)), fields: {} };
  }
  return { message: typeof body === 'string' ? clip(body.trim()) : '', fields: {} };
}

function tokenRefused(message: string): GitlabTokenError {
  const text = message.toLowerCase();
  if (text.includes('expired')) {
    return new GitlabTokenError(
      'expired',
      'The GitLab access token has expired. Create a new one and save it here.',
    );
  }
  if (text.includes('revoked')) {
    return new GitlabTokenError(
      'revoked',
      'The GitLab access token was revoked. Create a new one and save it here.',
    );
  }
  return new GitlabTokenError(
    'invalid',
    'GitLab does not accept the access token (401 Unauthorized). Check that it was copied whole and belongs to ' +
      'this GitLab.',
  );
}

function forbidden(body: unknown, message: string, route: string): GitlabTokenError {
  const oauth = body as { error?: unknown; scope?: unknown } | null;
  if (oauth && typeof oauth === 'object' && oauth.error === 'insufficient_scope') {
    const wanted =
      typeof oauth.scope === 'string' ? ` (GitLab accepts: ${oauth.scope.split(' ').join(', ')})` : '';
    return new GitlabTokenError(
      'scope',
      `The GitLab access token lacks a scope ${route} needs${wanted}. Give the token the api scope, or both ` +
        'create_runner and manage_runner.',
    );
  }
  return new GitlabTokenError(
    'permission',
    `GitLab does not let the access token's user do ${route}: ${message || '403 Forbidden'}. Use a token of a ` +
      'user allowed to manage runners there (an administrator for instance runners, an owner or maintainer for ' +
      'group and project runners).',
  );
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function snakeKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), v]));
}

/** Query strings the way GitLab (Rails) reads them: `tag_list[]=a&tag_list[]=b`. */
function queryString(params: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(snakeKeys(params ?? {}))) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) search.append(`${key}[]`, String(item));
    else search.append(key, String(value));
  }
  return search.toString();
}

/**
 * A gitbeaker `requesterFn` over a transport: gitbeaker's resources build endpoints and options, the transport
 * sends them. Bodies and query keys are snake_cased as gitbeaker's own requester does, since its option types
 * are camelCase.
 */
export function gitbeakerRequester(transport: Transport): RequesterFn {
  return (resource: ResourceOptions) => {
    const call =
      (method: string) =>
      async (endpoint: string, options: RequestOptions = {}) => {
        const headers: Record<string, string> = { ...resource.headers };
        if (options.sudo !== undefined) headers.sudo = String(options.sudo);
        for (const [name, value] of Object.entries(resource.authHeaders)) headers[name] = await value();
        let body: string | undefined;
        // gitbeaker sends `{}` with every DELETE; GitLab needs no body there.
        if (
          options.body !== undefined &&
          !(options.body instanceof FormData) &&
          Object.keys(options.body).length > 0
        ) {
          body = JSON.stringify(snakeKeys(options.body));
          headers['content-type'] = 'application/json';
        }
        const response = await transport.send(method, endpoint, {
          headers,
          ...(body !== undefined && { body }),
          query: queryString(options.searchParams),
          ...(options.signal && { signal: options.signal }),
        });
        return response as never;
      };
    return {
      get: call('GET'),
      post: call('POST'),
      put: call('PUT'),
      patch: call('PATCH'),
      delete: call('DELETE'),
    } as Requester;
  };
}
