/**
 * A tiny structured logger: one JSON object per line (`level`, `time`, `msg`, then fields). Fields whose names
 * look like secrets are replaced before anything is written, so a token or credential passed by mistake never
 * reaches the journal.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Receives each line without its newline; defaults to stdout. */
  write?: (line: string) => void;
  now?: () => Date;
}

const SECRET_KEY = /token|credential|authorization|secret|password|cookie/i;
const REDACTED = '[redacted]';

function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[too deep]';
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return code
      ? { name: value.name, message: value.message, code }
      : { name: value.name, message: value.message };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Creates the process logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());

  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (LOG_LEVELS.indexOf(level) < min) return;
      const extra = redact({ ...bound, ...fields }) as LogFields;
      // level, time and msg come first and cannot be overridden by a field of the same name.
      const { level: _l, time: _t, msg: _m, ...rest } = extra;
      write(JSON.stringify({ level, time: now().toISOString(), msg, ...rest }));
    };
    return {
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}

/** A logger that drops everything (for library defaults). */
export const silentLogger: Logger = createLogger({ write: () => {} });
