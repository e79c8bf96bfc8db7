/**
 * The revision each machine should run, as stored: the desired revision's row. Rendering the text with the
 * runners' decrypted tokens happens here, at send time, so secrets never rest in the revision table.
 */
import type { RevisionSource } from '../../agent-gateway/session.js';
import type { Database } from '../../db/client.js';

export type RenderRevision = (row: { machineId: string; number: number; model: unknown }) => Promise<string>;

export function storedRevisions(db: Database, render?: RenderRevision): RevisionSource {
  return {
    async desired(machineId) {
      const machine = await db.prisma.machine.findUnique({
        where: { id: machineId },
        select: { desiredRevision: true },
      });
      if (!machine || machine.desiredRevision === 0 || !render) return null;
      const row = await db.prisma.configRevision.findUnique({
        where: { machineId_number: { machineId, number: machine.desiredRevision } },
        select: { number: true, model: true, sha256: true },
      });
      if (!row) return null;
      const config = await render({ machineId, number: row.number, model: row.model });
      return { revision: row.number, sha256: row.sha256, config };
    },
  };
}
