/**
 * The revision each machine should run, as stored: the desired revision's row, rendered with the runners'
 * current tokens at send time, so secrets never rest in the revision table. Many machines are read at once, and
 * since a rollout usually gives many machines the same config, the model is fetched (from config_models) and
 * rendered once per distinct hash: equal hashes mean equal rendered text, so equal models.
 */
import type { DesiredRevision, RevisionSource } from '../../agent-gateway/session.js';
import type { Database } from '../../db/client.js';
import type { DesiredModel } from './desired-model.js';

/** Renders stored models with current tokens, many at once. */
export type RenderStored = (models: DesiredModel[]) => Promise<string[]>;

export function storedRevisions(
  db: Database,
  render: RenderStored,
  renumber: (machineId: string, above: number) => Promise<void>,
  onCommitted?: RevisionSource['onCommitted'],
): RevisionSource {
  return {
    renumber,
    ...(onCommitted && { onCommitted }),
    async desired(machineIds) {
      const out = new Map<string, DesiredRevision>();
      if (machineIds.length === 0) return out;
      const rows = await db.prisma.$queryRaw<
        Array<{ machine_id: string; number: number; sha256: string; model: DesiredModel | null }>
      >`
        SELECT machine_id::text, number, sha256,
               CASE WHEN first THEN (SELECT c.model FROM config_models c WHERE c.hash = d.model_hash) END AS model
          FROM (SELECT r.machine_id, r.number, r.sha256, r.model_hash,
                       row_number() OVER (PARTITION BY r.sha256 ORDER BY r.machine_id) = 1 AS first
                  FROM machines m JOIN config_revisions r ON r.machine_id = m.id AND r.number = m.desired_revision
                 WHERE m.id = ANY(${machineIds}::uuid[]) AND m.desired_revision > 0) d`;
      const distinct = rows.filter((r): r is typeof r & { model: DesiredModel } => r.model !== null);
      const texts = await render(distinct.map((r) => r.model));
      const bySha = new Map(distinct.map((r, i) => [r.sha256, texts[i]!]));
      for (const r of rows) {
        const config = bySha.get(r.sha256);
        if (config !== undefined) out.set(r.machine_id, { revision: r.number, sha256: r.sha256, config });
      }
      return out;
    },
  };
}
