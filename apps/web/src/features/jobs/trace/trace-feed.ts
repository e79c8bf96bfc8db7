import type { TraceDocument } from './trace-document';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What became of a piece of the log. */
export type PieceResult = 'appended' | 'duplicate' | 'gap';

/**
 * Adds the piece of the log that starts at byte `offset` to `doc`, which holds its first `doc.size` bytes.
 * A piece the document already holds is skipped (a resubscription may send bytes twice), a piece that overlaps
 * its end adds only the new bytes, and a piece beyond its end is refused as a gap: appending it would put text
 * in the wrong place, so the caller asks the server again from `doc.size`.
 */
export function appendPiece(doc: TraceDocument, offset: number, data: string): PieceResult {
  if (offset > doc.size) return 'gap';
  if (offset === doc.size) {
    if (data !== '') doc.append(data);
    return data === '' ? 'duplicate' : 'appended';
  }
  const bytes = encoder.encode(data);
  const known = doc.size - offset;
  if (bytes.length <= known) return 'duplicate';
  // Pieces start and end on character boundaries, so `doc.size` is one too and the rest decodes cleanly.
  const rest = bytes.subarray(known);
  doc.append(decoder.decode(rest), rest.length);
  return 'appended';
}
