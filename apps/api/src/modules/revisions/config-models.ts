/**
 * Desired models are stored once each (config_models), named by the sha256 of their jsonb text, and revisions
 * name them by that hash: a rollout to 10,000 machines writes one model and 10,000 short rows, not 10,000 copies
 * of the same JSON. The hash is computed by Postgres from the jsonb it stores, so whoever writes a model (the
 * service, a migration, a seed) names it the same way.
 */
import type { Prisma, PrismaClient } from '../../db/client.js';

type Queryable = Prisma.TransactionClient | PrismaClient;

/**
 * Stores these models (JSON texts) unless already there, marks them used now, and returns their hashes in the
 * same order. Marking keeps retention off a model that a transaction still in flight is about to name.
 */
export async function storeModels(db: Queryable, models: string[]): Promise<string[]> {
  if (models.length === 0) return [];
  const rows = await db.$queryRaw<Array<{ hash: string }>>`
    WITH m AS (
      SELECT u.ord, u.j, encode(sha256(convert_to(u.j::text, 'UTF8')), 'hex') AS hash
        FROM unnest(${models}::text[]::jsonb[]) WITH ORDINALITY AS u(j, ord)
    ), stored AS (
      INSERT INTO config_models (hash, model)
      SELECT DISTINCT ON (hash) hash, j FROM m ORDER BY hash
          ON CONFLICT (hash) DO UPDATE SET used_at = now()
    )
    SELECT hash FROM m ORDER BY ord`;
  return rows.map((r) => r.hash);
}
