import { describe, expect, it } from 'vitest';
import { carriedTotal, decodeCursor, encodeCursor, filterKey } from './cursor.js';
import { ValidationError } from './errors.js';

const id = '01a20792-d6bb-742f-afc2-ba3f6c8b6cc1';

describe('cursors', () => {
  it('round-trip', () => {
    const c = encodeCursor({ s: 'hostname', v: 'web-1', id });
    expect(decodeCursor(c, 'hostname')).toEqual({ s: 'hostname', v: 'web-1', id });
  });

  it('are refused for another sort or when tampered with', () => {
    const c = encodeCursor({ s: 'hostname', v: 'web-1', id });
    expect(() => decodeCursor(c, '-hostname')).toThrow(ValidationError);
    expect(() => decodeCursor('%%%', 'hostname')).toThrow(ValidationError);
    const forged = Buffer.from(JSON.stringify({ s: 'hostname', v: {}, id })).toString('base64url');
    expect(() => decodeCursor(forged, 'hostname')).toThrow(ValidationError);
    const badId = Buffer.from(JSON.stringify({ s: 'hostname', v: 'x', id: "1' OR 1=1" })).toString(
      'base64url',
    );
    expect(() => decodeCursor(badId, 'hostname')).toThrow(ValidationError);
  });

  it('carry the total counted for the first page, for the same filters only', () => {
    const query = { limit: 100, tag: ['docker'], status: undefined, cursor: undefined };
    const c = decodeCursor(encodeCursor({ s: '-id', v: null, id, t: 42, f: filterKey(query) }), '-id');
    expect(carriedTotal(c, query)).toBe(42);
    // Another page size or position is the same list; other filters are not.
    expect(carriedTotal(c, { ...query, limit: 10, cursor: 'x' })).toBe(42);
    expect(carriedTotal(c, { ...query, tag: ['linux'] })).toBeNull();
    expect(carriedTotal(c, { ...query, q: 'gpu' })).toBeNull();
    expect(carriedTotal(decodeCursor(encodeCursor({ s: '-id', v: null, id }), '-id'), query)).toBeNull();
    expect(carriedTotal(null, query)).toBeNull();
    const forged = Buffer.from(JSON.stringify({ s: '-id', v: null, id, t: -1 })).toString('base64url');
    expect(() => decodeCursor(forged, '-id')).toThrow(ValidationError);
  });
});
