import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';
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
});
