/** Hostile payloads shared by the corpus: nesting, oversized and mis-encoded bodies, tampered cursors. */
import { Readable } from 'node:stream';
import { encodeCursor } from '../../src/lib/cursor.js';

/** `[[[…]]]`, `depth` levels deep. */
export const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** `{"a":{"a":…1}}`, `depth` levels deep. */
export const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** A TOML value (`{ type, value }`) of arrays nested `depth` deep, as executor settings' `extra` holds them. */
export const deepTomlValue = (depth: number) =>
  '{"type":"array","value":['.repeat(depth) + '{"type":"string","value":"x"}' + ']}'.repeat(depth);

/** A JSON body with `marker` (a JSON string somewhere in `value`) replaced by raw JSON text. */
export function jsonWith(value: unknown, marker: string, rawJson: string): string {
  const text = JSON.stringify(value);
  if (!text.includes(JSON.stringify(marker))) throw new Error(`marker ${marker} not in the body`);
  return text.replace(JSON.stringify(marker), rawJson);
}

/** `{"name":"<bytes>"}` where the bytes are not UTF-8. */
export const invalidUtf8Json = (field = 'name') =>
  Buffer.concat([Buffer.from(`{"${field}":"ok`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]);

/** Just over the default body limit (1 MiB). */
export const OVER_BODY_LIMIT = 1024 * 1024 + 64 * 1024;

/** A body over the limit that arrives in chunks without a content-length, so only counting can stop it. */
export function streamedOversizedBody(): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const chunks = [
    Buffer.from('{"labels":{"a":"'),
    ...Array.from({ length: 20 }, () => chunk),
    Buffer.from('"}}'),
  ];
  return Readable.from(chunks);
}

/** Cursors made with the API's own encoding but holding values no page ever ended with. */
export const tamperedCursor = {
  machinesBadTime: (id: string) => encodeCursor({ s: 'lastSeenAt', v: 'not a time', id }),
  machinesBadId: () => encodeCursor({ s: 'hostname', v: 'host', id: '-'.repeat(36) }),
  auditBadId: () => encodeCursor({ s: 'audit', v: '2026-01-01T00:00:00.000Z', id: '-'.repeat(36) }),
  auditYearZero: (id: string) => encodeCursor({ s: 'audit', v: '0000-01-01T00:00:00.000Z', id }),
  runnersBadId: () => encodeCursor({ s: '-id', v: null, id: '-'.repeat(36) }),
};
