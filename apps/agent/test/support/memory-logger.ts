/** A logger for tests: keeps every entry and lets a test await the one it expects instead of sleeping. */
import { createLogger, type Logger } from '../../src/log/logger.js';

export interface LogEntry {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface MemoryLogger extends Logger {
  entries: LogEntry[];
  lines: string[];
  /** Resolves with the first entry (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** Resolves with all matching entries once there are `count` of them. */
  waitForCount(
    predicate: (entry: LogEntry) => boolean,
    count: number,
    timeoutMs?: number,
  ): Promise<LogEntry[]>;
}

export function memoryLogger(): MemoryLogger {
  const entries: LogEntry[] = [];
  const lines: string[] = [];
  const waiters: { predicate: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }[] = [];
  const logger = createLogger({
    level: 'debug',
    write(line) {
      lines.push(line);
      const entry = JSON.parse(line) as LogEntry;
      entries.push(entry);
      for (const w of [...waiters]) {
        if (w.predicate(entry)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(entry);
        }
      }
    },
  });
  return Object.assign(logger, {
    entries,
    lines,
    async waitForCount(predicate: (entry: LogEntry) => boolean, count: number, timeoutMs = 5000) {
      await this.waitFor(() => entries.filter(predicate).length >= count, timeoutMs);
      return entries.filter(predicate);
    },
    waitFor(predicate: (entry: LogEntry) => boolean, timeoutMs = 5000) {
      const found = entries.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<LogEntry>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(`no log entry matched within ${timeoutMs} ms; last: ${lines.slice(-5).join('\n')}`),
          );
        }, timeoutMs);
        const waiter = {
          predicate,
          resolve: (e: LogEntry) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        waiters.push(waiter);
      });
    },
  });
}
