/**
 * Opaque keyset cursors: the sort value and id of the last item of a page, base64url JSON. A cursor from another
 * sort or a tampered one is answered 400 on `query.cursor`, never a wrong page.
 *
 * A cursor also carries the list's total as counted for the first page, with a key of the filters it was counted
 * for: later pages reuse it instead of counting every matching row again on every page (the count was the costliest
 * part of paging through 10,000 runners). With other filters the key differs and the list is counted again.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from './errors.js';

export interface CursorPayload {
  /** sort name the cursor was made for */
  s: string;
  /** sort value of the last item (string, number or null) */
  v: string | number | null;
  /** id of the last item */
  id: string;
  /** total of the list, as counted for its first page */
  t?: number;
  /** key of the filters `t` was counted for (see filterKey) */
  f?: string;
}

/** A short key of a list's filters: everything in the query except where the page starts and its size. */
export function filterKey(query: object): string {
  const filters = Object.entries(query)
    .filter(([k, v]) => k !== 'cursor' && k !== 'limit' && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 12);
}

/** The total a cursor carries for these filters, if it carries one. */
export function carriedTotal(cursor: CursorPayload | null, query: object): number | null {
  return cursor?.t !== undefined && cursor.f === filterKey(query) ? cursor.t : null;
}

export function encodeCursor(payload: CursorPayload): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** What `encodeCursor` is given as the last item's id: a UUID, which the lists compare as one in SQL. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalid = (message: string) =>
  new ValidationError(
    [{ path: 'query.cursor', message, code: 'invalid_cursor' }],
    'The cursor is not valid.',
  );

export function decodeCursor(cursor: string, sort: string): CursorPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor from this API');
  }
  const p = parsed as Partial<CursorPayload> | null;
  if (
    !p ||
    typeof p !== 'object' ||
    typeof p.id !== 'string' ||
    !UUID.test(p.id) ||
    !(p.v === null || typeof p.v === 'string' || typeof p.v === 'number') ||
    (p.t !== undefined && !(Number.isSafeInteger(p.t) && p.t >= 0)) ||
    (p.f !== undefined && typeof p.f !== 'string')
  ) {
    throw invalid('not a cursor from this API');
  }
  if (p.s !== sort) throw invalid(`this cursor belongs to sort "${String(p.s)}", not "${sort}"`);
  return p as CursorPayload;
}
