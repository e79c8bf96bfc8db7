/**
 * Building blocks for routes' `validateSearch`. URLs are typed by hand and shared, so a bad value is dropped
 * (the filter is simply off) instead of sending the page to an error screen.
 */
import { z } from 'zod';

/** Free text (a number-like value is kept as text). */
export function searchText(max: number) {
  return z
    .preprocess((value) => (typeof value === 'number' ? String(value) : value), z.string().trim().max(max))
    .optional()
    .catch(undefined);
}

/** A list; a hand-typed `?status=online,offline` arrives as one string. Invalid members are dropped. */
export function searchList<T extends z.ZodType>(item: T) {
  return z
    .preprocess(
      (value) => (typeof value === 'string' ? value.split(',') : value),
      z.array(z.unknown()).transform((values) =>
        values.flatMap((value) => {
          const parsed = item.safeParse(value);
          return parsed.success ? [parsed.data as z.output<T>] : [];
        }),
      ),
    )
    .optional()
    .catch(undefined);
}

export function searchEnum<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

/** Empty filters leave the URL instead of lingering as `?status=[]`. */
export function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/**
 * URLs stay plain and readable (`?status=online&status=draining&q=web`) instead of the router's default JSON
 * encoding: lists become repeated parameters, and every value is read back as text for the routes' schemas.
 */
export function parseSearchParams(search: string): Record<string, unknown> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search.startsWith('?') ? search.slice(1) : search)) {
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

export function stringifySearchParams(search: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
