import { z } from 'zod';

/** A Paddock id (UUIDv7). Path params using it answer 400 with the field named when malformed. */
export const Id = z.uuid({ message: 'must be a UUID' });
export type Id = z.infer<typeof Id>;

export const IdParams = z.strictObject({ id: Id });
export type IdParams = z.infer<typeof IdParams>;

/** ISO-8601 timestamp with offset, as every date leaves the API. */
export const Timestamp = z.iso
  .datetime({ offset: true })
  // ISO-8601 has a year 0 (1 BC); Postgres does not, and refuses it.
  .refine((s) => !s.startsWith('0000'), { message: 'year 0000 does not exist' });

/** The largest value of a 32-bit integer column (ids and numbers GitLab and Paddock keep as `integer`). */
export const MAX_INT32 = 2_147_483_647;

export const LABEL_KEY_PATTERN = /^[a-z0-9](?:[a-z0-9._/-]{0,61}[a-z0-9])?$/;

/** Machine labels: up to 64 lower-case keys, each with a short string value. */
export const Labels = z
  .record(
    z.string().regex(LABEL_KEY_PATTERN, {
      message: 'label keys are 1-63 chars of a-z, 0-9, ".", "_", "/", "-" and start and end alphanumeric',
    }),
    z.string().max(255),
  )
  .refine((labels) => Object.keys(labels).length <= 64, { message: 'at most 64 labels' });
export type Labels = z.infer<typeof Labels>;

/**
 * Pagination, the same on every list: `?limit=` (1-200, default 50) and `?cursor=` taken from the previous page's
 * `nextCursor`. Cursors are opaque and tied to the list's filters and sort; `nextCursor` is null on the last page.
 */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export function Page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    /** pass as `cursor` to read the next page; null when this is the last one */
    nextCursor: z.string().nullable(),
    /**
     * number of items matching the filters, over all pages, as counted for the first page: later pages read with
     * its cursors repeat that figure rather than counting again
     */
    total: z.number().int(),
  });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number;
}

/** One field that failed validation: `path` is dotted from the request part (`body.url`, `query.limit`). */
export const FieldError = z.object({
  path: z.string(),
  message: z.string(),
  code: z.string(),
});
export type FieldError = z.infer<typeof FieldError>;

/**
 * Every error is `application/problem+json` (RFC 9457). `code` is stable and safe to branch on; `type` is
 * `urn:paddock:problem:<code>`. 5xx answers never carry internals: quote `requestId` when reporting them.
 */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().optional(),
  requestId: z.string().optional(),
  errors: z.array(FieldError).optional(),
});
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_CODES = [
  'validation_failed',
  'malformed_json',
  'unsupported_media_type',
  'payload_too_large',
  'not_found',
  'conflict',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'gitlab_error',
  'gitlab_unreachable',
  'unavailable',
  'internal',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** Comma-separated or repeated query values (`?tag=a,b` or `?tag=a&tag=b`) as a list. */
export const ListParam = z.union([z.string(), z.array(z.string())]).transform((v) =>
  (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean),
);
