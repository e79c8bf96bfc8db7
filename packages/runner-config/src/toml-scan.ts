/**
 * A lexical pass over TOML text that finds every datetime literal in value position and swaps it for a string
 * literal chosen by the caller.
 *
 * Why: smol-toml accepts everything BurntSushi v1.6 accepts (TOML 1.1: newlines, comments and trailing commas in
 * inline tables, `\e`, `\xHH`, datetimes without seconds), but hands datetimes back as JS `Date`s, which keep only
 * milliseconds. gitlab-runner writes nanoseconds into `token_obtained_at`, and Paddock must not round them. The pass
 * only skips strings and comments and tracks whether it is at a key or a value; smol-toml still does the real
 * parsing. On anything it does not understand it returns undefined and the caller parses the text untouched.
 */

export interface DatetimeLiteral {
  /** The literal exactly as written. */
  readonly raw: string;
  /** Offset of its first character in the original text. */
  readonly offset: number;
}

export interface Substituted {
  readonly text: string;
  readonly datetimes: readonly DatetimeLiteral[];
}

const DATETIME_START = /^(?:\d{4}-\d{2}-\d{2}|\d{2}:\d{2})/;
const BARE_KEY_CHAR = /[A-Za-z0-9_-]/;

/** Replaces the n-th datetime literal by `replacement(n)`, which must be a complete TOML string literal. */
export function substituteDatetimes(
  src: string,
  replacement: (index: number) => string,
): Substituted | undefined {
  let i = 0;
  const found: Array<{ start: number; end: number }> = [];

  const at = (s: string): boolean => src.startsWith(s, i);
  const skipWs = (): void => {
    while (src[i] === ' ' || src[i] === '\t') i++;
  };
  const skipComment = (): void => {
    if (src[i] !== '#') return;
    while (i < src.length && src[i] !== '\n' && src[i] !== '\r') i++;
  };
  /** Consumes one line ending; false when the text has something else there. */
  const newline = (): boolean => {
    if (src[i] === '\n') {
      i++;
      return true;
    }
    if (at('\r\n')) {
      i += 2;
      return true;
    }
    return false;
  };
  const skipBlank = (): boolean => {
    for (;;) {
      skipWs();
      skipComment();
      if (i >= src.length) return true;
      if (src[i] === '\n' || src[i] === '\r') {
        if (!newline()) return false;
        continue;
      }
      return true;
    }
  };

  const singleLine = (quote: string, escapes: boolean): boolean => {
    i++;
    while (i < src.length) {
      const c = src[i];
      if (escapes && c === '\\') {
        i += 2;
        continue;
      }
      if (c === quote) {
        i++;
        return true;
      }
      if (c === '\n' || c === '\r') return false;
      i++;
    }
    return false;
  };
  const multiLine = (quote: string, escapes: boolean): boolean => {
    i += 3;
    while (i < src.length) {
      const c = src[i];
      if (escapes && c === '\\') {
        i += 2;
        continue;
      }
      if (c === quote) {
        let run = 0;
        while (src[i + run] === quote) run++;
        if (run >= 3) {
          // Up to two quotes right before the closing delimiter belong to the content.
          if (run > 5) return false;
          i += run;
          return true;
        }
        i += run;
        continue;
      }
      i++;
    }
    return false;
  };
  const string = (): boolean => {
    if (at('"""')) return multiLine('"', true);
    if (at("'''")) return multiLine("'", false);
    if (src[i] === '"') return singleLine('"', true);
    if (src[i] === "'") return singleLine("'", false);
    return false;
  };

  const simpleKey = (): boolean => {
    if (src[i] === '"' || src[i] === "'") return singleLine(src[i] as string, src[i] === '"');
    const start = i;
    while (i < src.length && BARE_KEY_CHAR.test(src[i] as string)) i++;
    return i > start;
  };
  const key = (): boolean => {
    for (;;) {
      skipWs();
      if (!simpleKey()) return false;
      skipWs();
      if (src[i] !== '.') return true;
      i++;
    }
  };

  const bareValue = (): boolean => {
    const start = i;
    const stop = (c: string | undefined): boolean =>
      c === undefined ||
      c === ' ' ||
      c === '\t' ||
      c === '\n' ||
      c === '\r' ||
      c === ',' ||
      c === ']' ||
      c === '}' ||
      c === '#';
    while (!stop(src[i])) i++;
    if (i === start) return false;
    // A date and a time may be separated by one space (`1979-05-27 07:32:00Z`).
    if (
      /^\d{4}-\d{2}-\d{2}$/.test(src.slice(start, i)) &&
      src[i] === ' ' &&
      /^\d{2}:\d{2}/.test(src.slice(i + 1, i + 6))
    ) {
      i++;
      while (!stop(src[i])) i++;
    }
    if (DATETIME_START.test(src.slice(start, i))) found.push({ start, end: i });
    return true;
  };
  const value = (): boolean => {
    const c = src[i];
    if (c === '"' || c === "'") return string();
    if (c === '[') {
      i++;
      for (;;) {
        if (!skipBlank()) return false;
        if (src[i] === ']') {
          i++;
          return true;
        }
        if (!value()) return false;
        if (!skipBlank()) return false;
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === ']') {
          i++;
          return true;
        }
        return false;
      }
    }
    if (c === '{') {
      i++;
      for (;;) {
        if (!skipBlank()) return false;
        if (src[i] === '}') {
          i++;
          return true;
        }
        if (!keyValue()) return false;
        if (!skipBlank()) return false;
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === '}') {
          i++;
          return true;
        }
        return false;
      }
    }
    return bareValue();
  };
  const keyValue = (): boolean => {
    if (!key()) return false;
    skipWs();
    if (src[i] !== '=') return false;
    i++;
    skipWs();
    return value();
  };
  const header = (): boolean => {
    const double = at('[[');
    i += double ? 2 : 1;
    if (!key()) return false;
    skipWs();
    if (!at(double ? ']]' : ']')) return false;
    i += double ? 2 : 1;
    return true;
  };

  while (i < src.length) {
    skipWs();
    if (i >= src.length) break;
    const c = src[i];
    if (c === '#') {
      skipComment();
    } else if (c === '[') {
      if (!header()) return undefined;
    } else if (c !== '\n' && c !== '\r') {
      if (!keyValue()) return undefined;
    }
    skipWs();
    skipComment();
    if (i < src.length && !newline()) return undefined;
  }

  let text = '';
  let last = 0;
  const datetimes: DatetimeLiteral[] = [];
  found.forEach(({ start, end }, n) => {
    datetimes.push({ raw: src.slice(start, end), offset: start });
    text += src.slice(last, start) + replacement(n);
    last = end;
  });
  text += src.slice(last);
  return { text, datetimes };
}
