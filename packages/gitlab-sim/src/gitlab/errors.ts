/**
 * GitLab's error responses. GitLab's API has three shapes and clients tell them apart, so the simulator keeps them:
 * - `{"message": "404 Runner Not Found"}` from its helpers (not_found!, forbidden!, unauthorized!, ...);
 * - `{"message": {"field": ["problem"]}}` when a model refuses a change (render_validation_error!);
 * - `{"error": "token is missing"}` from parameter validation and from a bare `error!` (route not found, trace
 *   Content-Range problems);
 * plus OAuth's `{"error": "invalid_token", "error_description": ...}` for expired or revoked access tokens.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

/** render_api_error!: `{"message": "<text>"}`. */
export function apiError(status: number, message: string, headers?: Record<string, string>): ApiError {
  return new ApiError(status, { message }, headers);
}

/** not_found!('Runner') → `404 Runner Not Found`; without a resource `404 Not found`, as ActiveRecord misses read. */
export function notFound(resource?: string): ApiError {
  return apiError(404, resource ? `404 ${resource} Not Found` : '404 Not found');
}

export function forbidden(reason?: string, headers?: Record<string, string>): ApiError {
  return apiError(403, reason ? `403 Forbidden - ${reason}` : '403 Forbidden', headers);
}

export function unauthorized(): ApiError {
  return apiError(401, '401 Unauthorized');
}

export function badRequest(reason: string): ApiError {
  return apiError(400, `400 Bad request - ${reason}`);
}

/** Parameter validation (Grape): `{"error": "token is missing, system_id is missing"}`. */
export function invalidParams(problems: readonly string[]): ApiError {
  return new ApiError(400, { error: problems.join(', ') });
}

/** A model refused the change: `{"message": {"maximum_timeout": ["needs to be at least 10 minutes"]}}`. */
export function validationFailed(fields: Record<string, string[]>): ApiError {
  return new ApiError(400, { message: fields });
}

/** A bare Grape `error!('<text>', status)`: `{"error": "<text>"}`. */
export function bareError(status: number, text: string, headers?: Record<string, string>): ApiError {
  return new ApiError(status, { error: text }, headers);
}

/** OAuth bearer errors (expired or revoked token: 401 invalid_token; missing scope: 403 insufficient_scope). */
export function oauthError(
  status: 401 | 403,
  error: 'invalid_token' | 'insufficient_scope',
  description: string,
  scope?: string,
): ApiError {
  const headers: Record<string, string> =
    status === 401
      ? {
          'WWW-Authenticate': `Bearer realm="Protected by OAuth 2.0", error="${error}", error_description="${description}"`,
        }
      : {};
  return new ApiError(
    status,
    { error, error_description: description, ...(scope !== undefined && { scope }) },
    headers,
  );
}

const STATUS_TEXT: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** An injected server error, in the `{"message": "500 Internal Server Error"}` form of GitLab's own 500s. */
export function serverError(status: number): ApiError {
  return apiError(status, `${status} ${STATUS_TEXT[status] ?? 'Server Error'}`);
}
