/**
 * Session settings every pooled connection starts with: no JIT, and the statement timeout when one is
 * configured; the embedded database serves connections asking for them.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-db.js';
import { createDatabase, type Database } from './client.js';
import { startEmbeddedDatabase } from './embedded.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function settings(db: Database) {
  const rows = await db.prisma.$queryRaw<Array<{ jit: string; timeout: string }>>`
    SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS timeout`;
  return rows[0];
}

describe('database connections', () => {
  it('run without JIT and with the configured statement timeout on Postgres', async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const db = createDatabase({ connectionString: database.url, maxConnections: 2, queryTimeoutMs: 12_000 });
    cleanups.push(() => db.close());
    expect(await settings(db)).toEqual({ jit: 'off', timeout: '12s' });
  });

  // PGlite ignores startup options, and has no JIT to turn off (it is built without LLVM): what matters is that a
  // connection asking for them is served.
  it('are served by the embedded database too', { timeout: 60_000 }, async () => {
    const embedded = await startEmbeddedDatabase({
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'paddock-embedded-')),
    });
    cleanups.push(() => embedded.close());
    const db = createDatabase({ connectionString: embedded.connectionString, maxConnections: 2 });
    cleanups.push(() => db.close());
    expect(await settings(db)).toMatchObject({ jit: expect.any(String) });
  });
});
