/**
 * Opaque keyset cursors: the sort value and id of the last item of a page, base64url JSON. A cursor from another
 * sort or a tampered one is answered 400 on `query.cursor`, never a wrong page.
 */
import { ValidationError } from './errors.js';

export interface CursorPayload {
  /** sort name the cursor was made for */
  s: string;
  /** sort value of the last item (string, number or null) */
  v: string | number | null;
  /** id of the last item */
  id: string;
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
    !(p.v === null || typeof p.v === 'string' || typeof p.v === 'number')
  ) {
    throw invalid('not a cursor from this API');
  }
  if (p.s !== sort) throw invalid(`this cursor belongs to sort "${String(p.s)}", not "${sort}"`);
  return p as CursorPayload;
}
