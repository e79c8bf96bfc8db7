/**
 * `databaseFingerprint` with the columns that change by design on requests that are refused or only read: when a
 * credential was last used (written at most once a minute per token, and on every agent upgrade) and, once an
 * agent has said hello, when its machine was last seen. Every other column of every table counts.
 */
import type { Database } from '../../src/db/client.js';
import { databaseFingerprint } from '../support/test-db.js';

export type Masks = Record<string, string[]>;

/** Bookkeeping of credentials: refreshed by any authenticated request, refused or not. */
export const CREDENTIAL_USE: Masks = {
  api_tokens: ['last_used_at'],
  display_tokens: ['last_used_at'],
  agent_credentials: ['last_used_at'],
  sessions: ['last_seen_at'],
};

export async function fingerprint(
  db: Database,
  masks: Masks = CREDENTIAL_USE,
): Promise<Record<string, string>> {
  const out = await databaseFingerprint(db);
  for (const [table, columns] of Object.entries(masks)) {
    if (!(table in out)) throw new Error(`no table ${table}`);
    const r = await db.pool.query<{ n: string; h: string | null }>(
      `SELECT count(*)::text AS n,
              md5(string_agg((to_jsonb(t) - $1::text[])::text, '|' ORDER BY (to_jsonb(t) - $1::text[])::text)) AS h
         FROM "${table}" t`,
      [columns],
    );
    out[table] = `${r.rows[0]!.n}:${r.rows[0]!.h ?? ''} (without ${columns.join(', ')})`;
  }
  return out;
}

/** The tables whose fingerprints differ. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]);
}
