import { describe, expect, it } from 'vitest';
import { TraceDocument } from './trace-document';
import { appendPiece } from './trace-feed';

describe('appendPiece', () => {
  it('appends in order and counts UTF-8 bytes', () => {
    const doc = new TraceDocument();
    expect(appendPiece(doc, 0, 'héllo\n')).toBe('appended');
    expect(doc.size).toBe(7);
    expect(appendPiece(doc, 7, 'world\n')).toBe('appended');
    expect(doc.lines).toEqual(['héllo', 'world']);
  });

  it('skips what it already holds and keeps only the new end of an overlapping piece', () => {
    const doc = new TraceDocument();
    appendPiece(doc, 0, 'ab€\n');
    expect(appendPiece(doc, 0, 'ab€\n')).toBe('duplicate');
    expect(appendPiece(doc, 2, '€')).toBe('duplicate');
    // "€" is three bytes: the piece starts at byte 2, the document holds 6.
    expect(appendPiece(doc, 2, '€\nnext ✓\n')).toBe('appended');
    expect(doc.lines).toEqual(['ab€', 'next ✓']);
    expect(doc.size).toBe(6 + 'next ✓\n'.length + 2);
  });

  it('refuses a piece beyond the end, leaving the document as it was', () => {
    const doc = new TraceDocument();
    appendPiece(doc, 0, 'one\n');
    expect(appendPiece(doc, 10, 'ten\n')).toBe('gap');
    expect(doc.lines).toEqual(['one']);
    expect(doc.size).toBe(4);
  });
});
