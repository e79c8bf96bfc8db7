/** Counting the warnings and errors a process logs, by message, without writing them. */

/** Warnings and errors logged: how many, how many per message, the first lines in full. */
export interface LogCounts {
  warn: number;
  error: number;
  byMessage: Record<string, number>;
  first: string[];
}

export function countLog(logs: LogCounts, level: 'warn' | 'error', line: string): void {
  logs[level]++;
  const msg = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? '(no message)';
  const key = `${level}: ${msg}`;
  logs.byMessage[key] = (logs.byMessage[key] ?? 0) + 1;
  if (logs.first.length < 3 && logs.byMessage[key] === 1) logs.first.push(line.slice(0, 2000));
}

/** Adds `from` into `into`. */
export function mergeLogs(into: LogCounts, from: LogCounts): void {
  into.warn += from.warn;
  into.error += from.error;
  for (const [k, v] of Object.entries(from.byMessage)) into.byMessage[k] = (into.byMessage[k] ?? 0) + v;
  for (const line of from.first) if (into.first.length < 3) into.first.push(line);
}
