/**
 * The one error handler: every failure leaves as application/problem+json with a stable `code`. Validation
 * failures name each bad field (`body.url`, `query.limit`, `params.id`); 5xx answers hide internals and carry the
 * request id instead. 4xx are logged at warn, 5xx at error, once, here.
 */
import type { FieldError, Problem, ProblemCode } from '@paddock/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { Prisma } from '../db/client.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { GitlabRateLimitedError } from '../gitlab/errors.js';
import { AppError, RateLimitedError } from '../lib/errors.js';

const PART_NAMES: Record<string, string> = {
  querystring: 'query',
  body: 'body',
  params: 'params',
  headers: 'headers',
};

/** What a client is told to wait before retrying while the database is unreachable. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

export function problem(
  status: number,
  code: ProblemCode,
  title: string,
  extra: { detail?: string; errors?: FieldError[]; requestId?: string } = {},
): Problem {
  return { type: `urn:paddock:problem:${code}`, title, status, code, ...extra };
}

function sendProblem(reply: FastifyReply, body: Problem) {
  return reply.status(body.status).type('application/problem+json').send(body);
}

/** Maps what Prisma reports to problems a client can act on; null for anything else. */
function fromPrisma(error: unknown): Problem | null {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return null;
  const meta = (error.meta ?? {}) as { target?: unknown; modelName?: string; driverAdapterError?: unknown };
  switch (error.code) {
    case 'P2002': {
      const fields = uniqueFields(error);
      return problem(409, 'conflict', 'Conflict', {
        detail: fields.length
          ? `Another record already has this ${fields.join(' + ')}.`
          : 'A unique value is taken.',
        errors: fields.map((f) => ({ path: `body.${f}`, message: 'already taken', code: 'unique' })),
      });
    }
    case 'P2003':
      return problem(409, 'conflict', 'Conflict', {
        detail: 'Other records still refer to this one; remove them first.',
      });
    case 'P2025':
      return problem(404, 'not_found', 'Not found', {
        detail: `${meta.modelName ?? 'Record'} does not exist.`,
      });
    default:
      return null;
  }
}

function uniqueFields(error: Prisma.PrismaClientKnownRequestError): string[] {
  const meta = error.meta as
    | {
        target?: string[] | string;
        driverAdapterError?: {
          cause?: { table?: string; constraint?: { fields?: string[]; index?: string } };
        };
      }
    | undefined;
  const cause = meta?.driverAdapterError?.cause;
  // Postgres names a unique index <table>_<columns>_key; the columns are what the client needs to hear about.
  const fromIndex =
    cause?.table &&
    cause.constraint?.index?.startsWith(`${cause.table}_`) &&
    cause.constraint.index.endsWith('_key')
      ? [cause.constraint.index.slice(cause.table.length + 1, -'_key'.length)]
      : undefined;
  const fields = cause?.constraint?.fields ?? fromIndex ?? meta?.target;
  const list = Array.isArray(fields) ? fields : typeof fields === 'string' ? [fields] : [];
  // Postgres reports column names (snake_case); the API speaks camelCase.
  return list.map((f) => f.replace(/^"|"$/g, '').replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
}

function fromFastify(error: FastifyError): Problem | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'malformed_json', 'Malformed JSON', {
        detail:
          error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The body is empty.' : 'The body is not valid JSON.',
        errors: [{ path: 'body', message: 'not valid JSON', code: 'invalid_json' }],
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'payload_too_large', 'Payload too large', {
        detail: 'The body exceeds the size limit.',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(415, 'unsupported_media_type', 'Unsupported media type', {
        detail: 'Send JSON with Content-Type: application/json.',
      });
    case 'FST_ERR_CTP_INVALID_TYPE':
      return problem(415, 'unsupported_media_type', 'Unsupported media type', { detail: error.message });
    default:
      break;
  }
  // Other 4xx raised by Fastify itself (bad encodings, malformed URLs ...): safe to echo their message.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return problem(
      error.statusCode,
      error.statusCode === 429 ? 'rate_limited' : 'validation_failed',
      'Bad request',
      {
        detail: error.message,
      },
    );
  }
  return null;
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route runs (a URL that does not decode, a path
 * parameter over `maxParamLength`). These never reach the error handler below, so they are answered here, the same
 * way.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const body =
    fromFastify(error) ??
    problem(400, 'validation_failed', 'Bad request', { detail: 'The URL is not valid.' });
  request.log.warn({ code: body.code }, body.detail ?? body.title);
  return sendProblem(reply, { ...body, requestId: request.id });
}

export default fp(
  async function errorsPlugin(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      let body: Problem | null = null;
      const databaseDown = !(error instanceof AppError) && isDatabaseUnavailable(error);
      if (hasZodFastifySchemaValidationErrors(error)) {
        const part = PART_NAMES[error.validationContext ?? 'body'] ?? 'body';
        body = problem(400, 'validation_failed', 'Invalid request', {
          detail: 'The request has invalid fields.',
          errors: error.validation.flatMap((v) => {
            const path = [part, ...v.instancePath.split('/').filter(Boolean)].join('.');
            const keys = (v.params as { keys?: unknown }).keys;
            // One entry per unknown field, so a form can point at each.
            if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
              return keys.map((k) => ({
                path: `${path}.${String(k)}`,
                message: 'unknown field',
                code: v.keyword,
              }));
            }
            return [{ path, message: v.message ?? 'invalid', code: v.keyword }];
          }),
        });
      } else if (error instanceof AppError) {
        if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
        // GitLab's own wait, passed on: the client's retry would only be throttled again sooner.
        if (error instanceof GitlabRateLimitedError && error.retryAfterSeconds !== null) {
          reply.header('retry-after', String(error.retryAfterSeconds));
        }
        body = problem(error.status, error.code, error.title, {
          ...(error.detail !== undefined && { detail: error.detail }),
          ...(error.errors !== undefined && { errors: error.errors }),
        });
      } else if (databaseDown) {
        // Nothing internal in saying so, and worth saying: the request was fine, a retry will do.
        reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        body = problem(503, 'unavailable', 'Service unavailable', {
          detail: 'The database is not reachable right now. Try again in a few seconds.',
        });
      } else if (!isResponseSerializationError(error)) {
        body = fromPrisma(error) ?? fromFastify(error);
      }
      if (body && body.status < 500) {
        request.log.warn({ code: body.code, errors: body.errors }, body.detail ?? body.title);
      } else {
        request.log.error({ err: error }, 'request failed');
        const exposed = (error instanceof AppError && error.exposesDetail) || databaseDown ? body : null;
        body =
          exposed ??
          problem(
            body?.status ?? 500,
            (body?.code as ProblemCode | undefined) ?? 'internal',
            body?.title ?? 'Internal error',
            {
              detail: 'Something went wrong on our side. Quote the request id when reporting it.',
            },
          );
      }
      return sendProblem(reply, { ...body, requestId: request.id });
    });

    // An attacker probing for URLs gets the same short answer for every miss.
    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        reply,
        problem(404, 'not_found', 'Not found', {
          detail: `No route for ${request.method} ${request.url.split('?')[0]}.`,
          requestId: request.id,
        }),
      ),
    );
  },
  { name: 'errors' },
);
