/**
 * A parser for the Prometheus text exposition format (what gitlab-runner serves on `/metrics`). It is lenient
 * where it can be and never throws: a line it cannot read is counted and skipped, so one odd series from a
 * newer runner or a third-party collector does not hide the rest.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  /** may be NaN or ±Infinity, as the format allows */
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** lines that were neither comments nor readable samples */
  invalidLines: number;
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  let invalidLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
    else invalidLines++;
  }
  return { samples, invalidLines };
}

/** Go's strconv.ParseFloat spellings of the special values are accepted too (Inf, +inf, NaN, nan). */
export function parseValue(token: string): number | null {
  const lower = token.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!FLOAT.test(token)) return null;
  return Number(token);
}

function parseLine(line: string): Sample | null {
  let i = 0;
  const isWs = (c: string | undefined) => c === ' ' || c === '\t';
  const skipWs = () => {
    while (isWs(line[i])) i++;
  };

  if (!NAME_START.test(line[i] ?? '')) return null;
  const nameStart = i;
  while (i < line.length && NAME_CHAR.test(line[i] as string)) i++;
  const name = line.slice(nameStart, i);

  // No prototype: a label named __proto__ must stay a label.
  const labels = Object.create(null) as Record<string, string>;
  const afterName = i;
  skipWs();
  let separated = i > afterName;
  if (line[i] === '{') {
    i++;
    for (;;) {
      skipWs();
      if (line[i] === '}') {
        i++;
        break;
      }
      if (!LABEL_START.test(line[i] ?? '')) return null;
      const labelStart = i;
      while (i < line.length && LABEL_CHAR.test(line[i] as string)) i++;
      const label = line.slice(labelStart, i);
      skipWs();
      if (line[i] !== '=') return null;
      i++;
      skipWs();
      if (line[i] !== '"') return null;
      i++;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) return null;
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i];
          if (next === undefined) return null;
          i++;
          // The format defines \\, \" and \n; anything else is kept as written.
          value += next === 'n' ? '\n' : next === '\\' || next === '"' ? next : `\\${next}`;
        } else value += c;
      }
      labels[label] = value;
      skipWs();
      if (line[i] === ',') i++;
      else if (line[i] !== '}') return null;
    }
    skipWs();
    // After the closing brace, whitespace before the value is optional.
    separated = true;
  }

  if (!separated || i >= line.length) return null;
  const rest = line.slice(i).split(/[ \t]+/);
  if (rest.length > 2) return null;
  const value = parseValue(rest[0] ?? '');
  if (value === null) return null;
  // An optional timestamp (milliseconds) may follow; it is checked but not used.
  if (rest.length === 2 && !/^-?\d+$/.test(rest[1] as string)) return null;
  return { name, labels, value };
}
