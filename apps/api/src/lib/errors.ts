/**
 * Typed errors thrown by services. One handler (plugins/errors.ts) turns them into problem+json; services never
 * build HTTP responses themselves.
 */
import type { FieldError, ProblemCode } from '@paddock/contracts';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
    this.name = new.target.name;
  }

  /**
   * Whether `detail` may reach the client. A 4xx detail always may; a 5xx detail is hidden unless the error says
   * it holds nothing internal (an upstream that is down is worth telling, a stack trace is not).
   */
  get exposesDetail(): boolean {
    return this.status < 500;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], detail = 'The request has invalid fields.') {
    super(400, 'validation_failed', 'Invalid request', detail, errors);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id?: string) {
    super(404, 'not_found', 'Not found', id ? `${what} ${id} does not exist.` : `${what} does not exist.`);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super(409, 'conflict', 'Conflict', detail, errors);
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Sign in first.') {
    super(401, 'unauthorized', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'Your role does not allow this.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

/** Too many attempts: answered 429 with `Retry-After`. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    detail = `Too many attempts. Try again in ${retryAfterSeconds} s.`,
  ) {
    super(429, 'rate_limited', 'Too many requests', detail);
  }
}

export class UnavailableError extends AppError {
  constructor(detail: string) {
    super(503, 'unavailable', 'Service unavailable', detail);
  }
}
