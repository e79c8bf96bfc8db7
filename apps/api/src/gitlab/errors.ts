/**
 * What can go wrong when Paddock talks to a GitLab, as errors the API's one error handler turns into problem+json:
 * GitLab refused the request (422, with GitLab's own words), GitLab refused the access token (422, saying what to
 * fix), GitLab kept rate limiting (503), or GitLab could not be reached or failed (502). None of them ever carries
 * the access token.
 */
import type { FieldError } from '@paddock/contracts';
import { AppError } from '../lib/errors.js';

/** GitLab answered 4xx to a well-authenticated request: a field it refused, a group that does not exist ... */
export class GitlabRejectedError extends AppError {
  constructor(
    readonly gitlabStatus: number,
    readonly gitlabMessage: string,
    /** GitLab's field errors (`{"message": {"maximum_timeout": ["..."]}}`), keyed by GitLab's field names */
    readonly gitlabFields: Readonly<Record<string, readonly string[]>> = {},
    errors?: FieldError[],
  ) {
    super(
      422,
      'gitlab_error',
      'GitLab refused the request',
      `GitLab refused the request: ${gitlabMessage}`,
      errors,
    );
  }

  /** The same refusal with GitLab's field names translated to the paths of the request Paddock received. */
  withPaths(path: (gitlabField: string) => string): GitlabRejectedError {
    const errors = Object.entries(this.gitlabFields).flatMap(([field, messages]) =>
      messages.map((message) => ({ path: path(field), message, code: 'gitlab_rejected' })),
    );
    return new GitlabRejectedError(this.gitlabStatus, this.gitlabMessage, this.gitlabFields, errors);
  }
}

/** GitLab refused the access token (401) or what its user may do (403). */
export class GitlabTokenError extends AppError {
  constructor(
    readonly reason: 'invalid' | 'expired' | 'revoked' | 'scope' | 'permission',
    detail: string,
  ) {
    super(422, 'gitlab_error', 'GitLab refused the access token', detail);
  }
}

/** GitLab could not be reached, did not answer in time, failed (5xx) or answered something that is not its API. */
export class GitlabUnreachableError extends AppError {
  constructor(detail: string) {
    super(502, 'gitlab_unreachable', 'GitLab unreachable', detail);
  }

  override get exposesDetail(): boolean {
    return true;
  }
}

/** GitLab kept answering 429 beyond what Paddock is willing to wait. */
export class GitlabRateLimitedError extends AppError {
  constructor(
    detail: string,
    /** what GitLab last asked for, in seconds; null when it did not say */
    readonly retryAfterSeconds: number | null,
  ) {
    super(503, 'rate_limited', 'GitLab is rate limiting Paddock', detail);
  }

  override get exposesDetail(): boolean {
    return true;
  }
}

export type GitlabError =
  GitlabRejectedError | GitlabTokenError | GitlabUnreachableError | GitlabRateLimitedError;

export function isGitlabError(error: unknown): error is GitlabError {
  return (
    error instanceof GitlabRejectedError ||
    error instanceof GitlabTokenError ||
    error instanceof GitlabUnreachableError ||
    error instanceof GitlabRateLimitedError
  );
}
