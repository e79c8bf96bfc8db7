/**
 * The app's own `Database` (`createDatabase`: a pg pool without JIT, Prisma over @prisma/adapter-pg) whose pool
 * records every statement it sends, text and bound values, exactly as Prisma's adapter or the app's raw SQL
 * passes them to pg. The explain benchmark runs the app's real code paths through it and EXPLAINs what they sent,
 * so the measured SQL is always the SQL the code runs today.
 */
import pg from 'pg';
import { createDatabase, type Database } from '../../apps/api/src/db/client.js';

export interface RecordedStatement {
  text: string;
  values: unknown[];
}

export interface StatementRecorder {
  /** the statements recorded since the last `take()`, oldest first; clears the record */
  take(): RecordedStatement[];
}

export function recordingDatabase(
  connectionString: string,
  maxConnections = 10,
): Database & { recorder: StatementRecorder } {
  let recorded: RecordedStatement[] = [];
  class RecordingClient extends pg.Client {
    // pg's `query` has a dozen overloads; the text and values are all this wrapper reads.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override query(...args: any[]): any {
      const [first, second] = args as [unknown, unknown];
      if (typeof first === 'string') {
        recorded.push({ text: first, values: Array.isArray(second) ? second : [] });
      } else if (first && typeof first === 'object' && 'text' in first) {
        const config = first as { text: string; values?: unknown[] };
        recorded.push({ text: config.text, values: config.values ?? [] });
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (super.query as (...a: any[]) => any)(...args);
    }
  }
  const db = createDatabase({ connectionString, maxConnections });
  // pg-pool makes each connection with `new pool.Client(options)` when it is first needed: swapping the class
  // before the first query records this pool's statements and no other's.
  (db.pool as unknown as { Client: typeof pg.Client }).Client = RecordingClient;
  return {
    ...db,
    recorder: {
      take() {
        const out = recorded;
        recorded = [];
        return out;
      },
    },
  };
}
