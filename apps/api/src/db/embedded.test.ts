/**
 * The embedded database under concurrent load, as Paddock uses it: several pooled connections sending
 * parameterised queries (Parse, Bind, Execute, Sync) at once through pglite-socket, plus a transaction.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js';

let embedded: EmbeddedDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  embedded = await startEmbeddedDatabase({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'paddock-embedded-')),
  });
  pool = new pg.Pool({ connectionString: embedded.connectionString, max: 8 });
}, 60_000);
afterAll(async () => {
  await pool.end();
  await embedded.close();
});

describe('embedded database', () => {
  it('keeps each connection’s parameterised queries whole when many run at once', async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, label text NOT NULL)');
    // Writes (each a commit) and reads from eight connections at once, as the API's pool sends them.
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        i % 2
          ? pool.query('INSERT INTO items VALUES ($1, $2) RETURNING id, label', [i, `item ${i}`])
          : pool.query('SELECT $1::int + 1 AS id, $2::text AS label', [i, `item ${i}`]),
      ),
    );
    results.forEach((r, i) => expect(r.rows[0]).toEqual({ id: i % 2 ? i : i + 1, label: `item ${i}` }));
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM items WHERE id > $1',
      [-1],
    );
    expect(rows[0]!.n).toBe(200);
  });

  it('runs a transaction beside concurrent queries without mixing them', async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS counter (id int PRIMARY KEY, n int NOT NULL)');
    await pool.query('INSERT INTO counter VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = 0');
    const tx = async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ n: number }>('SELECT n FROM counter WHERE id = $1', [1]);
        await client.query('UPDATE counter SET n = $1 WHERE id = $2', [rows[0]!.n + 1, 1]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    const reads = Array.from({ length: 100 }, (_, i) => pool.query('SELECT $1::int AS i', [i]));
    await Promise.all([...Array.from({ length: 20 }, tx), ...reads]);
    const { rows } = await pool.query<{ n: number }>('SELECT n FROM counter WHERE id = $1', [1]);
    expect(rows[0]!.n).toBe(20);
  });
});
