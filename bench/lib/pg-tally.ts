/**
 * Counts what an in-process app sends to Postgres through a pool: statements by kind (`UPDATE runners`,
 * `BEGIN`...), their summed time from send to result, and the rows each INSERT/UPDATE/DELETE reported. Every
 * statement of Prisma's pg adapter and of the app's own pool queries passes through the pool's `Client#query`,
 * which is wrapped in place; nothing else changes.
 */
import type pg from 'pg';

export interface StatementTally {
  count: number;
  ms: number;
  /** rows reported by INSERT/UPDATE/DELETE */
  rows: number;
}

export interface PgTally {
  /** statements since the last reset, by kind */
  byKind(): Record<string, StatementTally>;
  reset(): void;
}

/** BEGIN/COMMIT, or the statement's verb and first table, e.g. `UPDATE runners`. */
export function statementKind(text: string): string {
  const t = text.trimStart();
  const verb = /^\w+/.exec(t)?.[0]?.toUpperCase() ?? '?';
  if (verb === 'BEGIN' || verb === 'COMMIT' || verb === 'ROLLBACK') return verb;
  const table =
    verb === 'SELECT' || verb === 'WITH'
      ? /\bFROM\s+"?(?:public"?\."?)?(\w+)/i.exec(t)?.[1]
      : /^(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?:public"?\."?)?(\w+)/i.exec(t)?.[1];
  return table ? `${verb} ${table}` : verb;
}

const WRITES = /^(INSERT|UPDATE|DELETE) /;

export function tallyStatements(pool: pg.Pool): PgTally {
  let tallies: Record<string, StatementTally> = {};
  const proto = (pool as unknown as { Client: { prototype: { query: (...a: unknown[]) => unknown } } }).Client
    .prototype;
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');
    const kind = statementKind(text);
    const t = (tallies[kind] ??= { count: 0, ms: 0, rows: 0 });
    t.count++;
    const t0 = performance.now();
    const done = (res: { rowCount?: number | null } | undefined) => {
      t.ms += performance.now() - t0;
      if (res && WRITES.test(kind)) t.rows += res.rowCount ?? 0;
    };
    // pg-pool's `query` (what Prisma's adapter uses outside transactions) passes a callback and gets no promise.
    const callbackAt = args.findIndex((a) => typeof a === 'function');
    if (callbackAt >= 0) {
      const callback = args[callbackAt] as (err: unknown, res: unknown) => void;
      args[callbackAt] = (err: unknown, res: { rowCount?: number | null } | undefined) => {
        done(err ? undefined : res);
        callback(err, res);
      };
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) result.then(done, () => done(undefined));
    return result;
  };
  return {
    byKind: () => tallies,
    reset: () => {
      tallies = {};
    },
  };
}
