/**
 * The one way the web app talks to the Paddock API. Every response is parsed with its contract schema, and every
 * failure becomes an `ApiError` carrying an RFC 9457 problem, so pages render errors one way whatever went wrong.
 *
 * Browser sessions: every request that changes something carries the session's CSRF token in `x-csrf-token`, and a
 * 401 tells the app that the session is gone. Both go through `configureApiClient`, which the auth provider calls
 * with getters over the query cache, so the token lives in one place (the session query).
 */
import { Problem } from '@paddock/contracts';
import type { FieldError } from '@paddock/contracts';
import type { z } from 'zod';

/** Codes the client invents for failures that never produced a problem document from the API. */
export const CLIENT_PROBLEM_CODES = {
  network: 'network_error',
  invalidResponse: 'invalid_response',
} as const;

export class ApiError extends Error {
  readonly problem: Problem;
  /** From a `Retry-After` header (429, 503): how long the API asks to wait, in seconds. */
  readonly retryAfterSeconds: number | undefined;

  constructor(problem: Problem, retryAfterSeconds?: number) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** HTTP status; 0 when the request never got an answer. */
  get status(): number {
    return this.problem.status;
  }

  get code(): string {
    return this.problem.code;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }

  /** Client errors will fail the same way again, so retrying them only delays the message. */
  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** A query value: lists become repeated parameters (`?status=a&status=b`), empty values are left out. */
export type QueryValue = string | number | boolean | readonly string[] | null | undefined;

export function toQueryString(params: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value == null || value === '') continue;
    if (Array.isArray(value)) {
      for (const item of value) search.append(key, item);
    } else {
      search.append(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Non-2xx statuses whose body is still the expected document, e.g. `/readyz` answering 503 with its checks. */
  acceptStatus?: readonly number[];
  /**
   * The caller handles a 401 itself (a wrong password at sign-in, the session check): it does not mean that the
   * session was lost, so the app is not told.
   */
  unauthorizedIsAnswer?: boolean;
}

export interface ApiClientSession {
  /** The current session's CSRF token, or undefined when signed out. */
  csrfToken: () => string | undefined;
  /** Called after any 401 the caller did not expect: the session ended or expired. */
  onUnauthorized: () => void;
}

const NO_SESSION: ApiClientSession = { csrfToken: () => undefined, onUnauthorized: () => {} };

// Getters only, never data: the session itself stays in the query cache.
let session: ApiClientSession = NO_SESSION;

/** Connects the client to the app's session; returns the function that disconnects it again. */
export function configureApiClient(next: ApiClientSession): () => void {
  session = next;
  return () => {
    if (session === next) session = NO_SESSION;
  };
}

export const CSRF_HEADER = 'x-csrf-token';

export async function apiGet<S extends z.ZodType>(
  path: string,
  schema: S,
  options: RequestOptions = {},
): Promise<z.output<S>> {
  const response = await send(
    path,
    { method: 'GET', headers: { accept: 'application/json' }, signal: options.signal },
    options,
  );
  return parseBody(response, schema);
}

/** Sends a JSON body. Pass `null` as schema for answers without a body (204). */
export async function apiSend<S extends z.ZodType>(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  schema: S,
  options?: RequestOptions,
): Promise<z.output<S>>;
export async function apiSend(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  schema: null,
  options?: RequestOptions,
): Promise<void>;
export async function apiSend(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  schema: z.ZodType | null,
  options: RequestOptions = {},
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // The API answers 415 to a declared JSON body that is empty, so only declare one when there is one.
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrfToken = session.csrfToken();
  if (csrfToken) headers[CSRF_HEADER] = csrfToken;
  const response = await send(
    path,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: options.signal },
    options,
  );
  if (schema === null) return undefined;
  return parseBody(response, schema);
}

async function send(
  path: string,
  init: RequestInit,
  { acceptStatus = [], unauthorizedIsAnswer = false }: RequestOptions,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    // Cancellation is TanStack Query's business (it aborts stale requests); do not turn it into an error page.
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({
      type: `urn:paddock:problem:${CLIENT_PROBLEM_CODES.network}`,
      title: 'Cannot reach the Paddock API',
      status: 0,
      code: CLIENT_PROBLEM_CODES.network,
      detail: 'The request did not get an answer. Check that the Paddock server is running and reachable.',
    });
  }
  if (!response.ok && !acceptStatus.includes(response.status)) {
    const error = await problemFrom(response);
    if (response.status === 401 && !unauthorizedIsAnswer) session.onUnauthorized();
    throw error;
  }
  return response;
}

async function parseBody<S extends z.ZodType>(response: Response, schema: S): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw invalidResponse(response, 'The answer was not JSON.');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    throw invalidResponse(response, `The answer did not match the expected shape${where}.`);
  }
  return result.data;
}

function invalidResponse(response: Response, detail: string): ApiError {
  return new ApiError({
    type: `urn:paddock:problem:${CLIENT_PROBLEM_CODES.invalidResponse}`,
    title: 'Unexpected answer from the Paddock API',
    status: response.status,
    code: CLIENT_PROBLEM_CODES.invalidResponse,
    detail,
    requestId: response.headers.get('x-request-id') ?? undefined,
  });
}

/** Reads the problem document; a proxy or a crashed server may answer with HTML, so fall back to the status. */
async function problemFrom(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const parsed = Problem.safeParse(body);
  if (parsed.success) {
    return new ApiError({ ...parsed.data, requestId: parsed.data.requestId ?? requestId }, retryAfter);
  }
  return new ApiError(
    {
      type: 'about:blank',
      title: response.statusText || `Request failed with status ${response.status}`,
      status: response.status,
      code: response.status >= 500 ? 'internal' : 'unknown',
      detail: `The API answered ${response.status} without a problem description.`,
      requestId,
    },
    retryAfter,
  );
}

/** `Retry-After` is either seconds or an HTTP date. */
export function retryAfterSeconds(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** One line for an error, for places too small for an ErrorState (dialogs, inline form messages). */
export function describeError(error: unknown): string {
  if (isApiError(error)) {
    const { title, detail } = error.problem;
    return detail ? `${title}: ${detail}` : title;
  }
  return error instanceof Error ? error.message : 'Something went wrong';
}
