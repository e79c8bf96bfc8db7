/**
 * The revision each machine should run, as stored: the desired revision's row, rendered with the runners'
 * current tokens at send time, so secrets never rest in the revision table. Many machines are read at once.
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
): RevisionSource {
  return {
    renumber,
    async desired(machineIds) {
      const out = new Map<string, DesiredRevision>();
      if (machineIds.length === 0) return out;
      const rows = await db.prisma.$queryRaw<
        Array<{ machine_id: string; number: number; sha256: string; model: DesiredModel }>
      >`
        SELECT r.machine_id, r.number, r.sha256, r.model
          FROM machines m JOIN config_revisions r ON r.machine_id = m.id AND r.number = m.desired_revision
         WHERE m.id = ANY(${machineIds}::uuid[]) AND m.desired_revision > 0`;
      const texts = await render(rows.map((r) => r.model));
      rows.forEach((r, i) =>
        out.set(r.machine_id, { revision: r.number, sha256: r.sha256, config: texts[i]! }),
      );
      return out;
    },
  };
}
