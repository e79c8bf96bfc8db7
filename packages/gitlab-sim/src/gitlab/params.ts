/**
 * Request parameters read the way GitLab's Grape endpoints read them: query string and body merged, values coerced
 * (Boolean accepts `true/false/1/0/yes/no/...`, Integer only whole numbers, tag lists split on commas), and every
 * problem collected into one 400 `{"error": "a is missing, b does not have a valid value"}`.
 */
import { invalidParams } from './errors.js';

export type ParamValue = string | number | boolean | null | readonly unknown[] | Record<string, unknown>;
export type ParamInput = Readonly<Record<string, unknown>>;

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/** Collects parameter problems; `done()` throws them as one Grape 400. */
export class ParamReader {
  private readonly problems: string[] = [];

  constructor(readonly input: ParamInput) {}

  has(name: string): boolean {
    return this.input[name] !== undefined;
  }

  /** Records "<name> is missing" for each absent name (Grape `requires`). */
  require(...names: string[]): this {
    for (const name of names) {
      const value = this.input[name];
      if (value === undefined || value === null || value === '') this.problems.push(`${name} is missing`);
    }
    return this;
  }

  /** Grape `at_least_one_of`. */
  atLeastOneOf(...names: string[]): this {
    if (!names.some((n) => this.has(n))) {
      this.problems.push(`${names.join(', ')} are missing, at least one parameter must be provided`);
    }
    return this;
  }

  /** Grape `mutually_exclusive`. */
  mutuallyExclusive(...names: string[]): this {
    if (names.filter((n) => this.has(n)).length > 1)
      this.problems.push(`${names.join(', ')} are mutually exclusive`);
    return this;
  }

  string(name: string): string | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.problems.push(`${name} is invalid`);
    return undefined;
  }

  integer(name: string): number | undefined {
    const value = this.input[name];
    if (value === undefined || value === null || value === '') return undefined;
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    if (!/^[-+]?\d+$/.test(text)) {
      this.problems.push(`${name} is invalid`);
      return undefined;
    }
    return Number(text);
  }

  boolean(name: string): boolean | undefined {
    const value = this.input[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'boolean') return value;
    const word = String(value).toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    this.problems.push(`${name} is invalid`);
    return undefined;
  }

  /** A string restricted to `values` ("<name> does not have a valid value"). */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if ((values as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} does not have a valid value`);
    return undefined;
  }

  /** An array of strings, each from `values` (how the jobs API reads `scope` / `scope[]`). */
  oneOfEach<T extends string>(name: string, values: readonly T[]): T[] | undefined {
    const list = this.list(name, false);
    if (list === undefined) return undefined;
    if (list.some((v) => !(values as readonly string[]).includes(v))) {
      this.problems.push(`${name} does not have a valid value`);
      return undefined;
    }
    return list as T[];
  }

  /** GitLab's CommaSeparatedToArray: `"a,b"`, `["a", "b"]` and `["a,b"]` all give `["a", "b"]`. */
  commaList(name: string): string[] | undefined {
    return this.list(name, true);
  }

  done(): void {
    if (this.problems.length > 0) throw invalidParams(this.problems);
  }

  private list(name: string, splitCommas: boolean): string[] | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) return undefined;
    const items = Array.isArray(value) ? value : [value];
    if (items.some((item) => typeof item !== 'string' && typeof item !== 'number')) {
      this.problems.push(`${name} is invalid`);
      return undefined;
    }
    const strings = items.map(String);
    if (!splitCommas) return strings;
    return strings
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
}

/**
 * Query-string pairs as Rack reads them: `a=1` is a string, `a[]=1&a[]=2` is an array under `a`, a repeated plain
 * key keeps its last value.
 */
export function queryToParams(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of search) {
    if (key.endsWith('[]')) {
      const base = key.slice(0, -2);
      const existing = out[base];
      out[base] = Array.isArray(existing) ? [...existing, value] : [value];
    } else {
      out[key] = value;
    }
  }
  return out;
}
