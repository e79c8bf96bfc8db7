/**
 * Positions in a minified bundle back to its sources, through the bundle's source map (version 3, as Vite writes
 * them beside the built web app): so a browser CPU profile of the production build names the project's files.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface OriginalPosition {
  source: string;
  /** 1-based */
  line: number;
  name: string | null;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The base64 VLQ numbers of one mapping segment. */
function decodeSegment(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`not a base64 VLQ digit: ${c}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

interface Segment {
  column: number;
  source: number;
  line: number;
  name: number;
}

/** One bundle's map. `lookup` takes 0-based line and column, as V8 profiles give them. */
export function readSourceMap(mapFile: string) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as {
    sources: string[];
    names: string[];
    mappings: string;
  };
  const lines: Segment[][] = [];
  let source = 0;
  let line = 0;
  let name = 0;
  for (const text of map.mappings.split(';')) {
    const segments: Segment[] = [];
    let column = 0;
    for (const part of text.split(',')) {
      if (!part) continue;
      const v = decodeSegment(part);
      column += v[0]!;
      if (v.length < 4) continue;
      source += v[1]!;
      line += v[2]!;
      let nameIndex = -1;
      if (v.length >= 5) {
        name += v[4]!;
        nameIndex = name;
      }
      segments.push({ column, source, line, name: nameIndex });
    }
    lines.push(segments);
  }
  return {
    lookup(line0: number, column0: number): OriginalPosition | null {
      const segments = lines[line0];
      if (!segments || segments.length === 0) return null;
      let lo = 0;
      let hi = segments.length - 1;
      // the last segment starting at or before the column
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (segments[mid]!.column <= column0) lo = mid;
        else hi = mid - 1;
      }
      const s = segments[lo]!;
      if (s.column > column0) return null;
      return {
        source: (map.sources[s.source] ?? '?').replace(/^(\.\.\/)+/, ''),
        line: s.line + 1,
        name: s.name >= 0 ? (map.names[s.name] ?? null) : null,
      };
    },
  };
}
export type SourceMap = ReturnType<typeof readSourceMap>;

/** Maps for the bundles of one directory, read once each; null for a file without a map. */
export function sourceMapsOf(fileOfUrl: (url: string) => string | null) {
  const cache = new Map<string, SourceMap | null>();
  return (url: string): SourceMap | null => {
    if (!cache.has(url)) {
      const file = fileOfUrl(url);
      cache.set(url, file && existsSync(`${file}.map`) ? readSourceMap(`${file}.map`) : null);
    }
    return cache.get(url)!;
  };
}
