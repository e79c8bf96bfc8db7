/**
 * Whether an error means the database cannot serve right now (stopped, restarting, unreachable, out of
 * connections, not answering in time) rather than that the request or the code is wrong. The error handler
 * answers these 503 `unavailable`, so clients and load balancers retry instead of reporting a bug, and
 * `/readyz` says the same thing meanwhile.
 *
 * The same failure reaches the app in several shapes: Prisma's known errors (P1001 "can't reach database
 * server"), the driver adapter's error kinds, Postgres SQLSTATEs (57P01 "terminating connection due to
 * administrator command"), socket errnos, or node-postgres's own plain errors ("Connection terminated
 * unexpectedly"); the error and its causes are searched for any of them.
 */

/** Prisma: can't reach, timed out, operations timed out, server closed the connection, pool timeout. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** @prisma/adapter-pg's kinds for socket errors and SQLSTATE 53300. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/**
 * SQLSTATEs: too many connections, shutting down, crashed, starting up, a statement cancelled by
 * statement_timeout, and every connection exception (class 08).
 */
const SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03', '57014']);
const ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** node-postgres's errors without a code: a connection cut, a connect or a query that timed out. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;

function matches(value: Record<string, unknown>): boolean {
  const { code, kind, originalCode, message } = value;
  if (
    typeof code === 'string' &&
    (PRISMA_CODES.has(code) || SQLSTATES.has(code) || ERRNOS.has(code) || /^08/.test(code))
  )
    return true;
  if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
  if (typeof originalCode === 'string' && (SQLSTATES.has(originalCode) || /^08/.test(originalCode)))
    return true;
  return typeof message === 'string' && DRIVER_MESSAGES.test(message);
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const value = queue.shift();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (matches(record)) return true;
    const meta = record.meta as { driverAdapterError?: unknown } | undefined;
    queue.push(record.cause, meta?.driverAdapterError);
    if (Array.isArray(record.errors)) queue.push(...(record.errors as unknown[]));
  }
  return false;
}
