/**
 * Two real API processes on one Postgres: a change made through one reaches an agent connected to the other
 * (LISTEN/NOTIFY), and the agent's acknowledgement is visible through both.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeMessage, parseServerMessage, PROTOCOL_VERSION, type ServerMessage } from '@paddock/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDatabase } from '../src/db/client.js';
import { createSecretBox } from '../src/lib/secrets.js';
import { factories } from './support/factories.js';
import { startServer, type ServerProcess } from './support/server-process.js';
import { createTestDatabase } from './support/test-db.js';

const KEY = Buffer.alloc(32, 11);
const running: ServerProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null) await s.stop('SIGKILL');
  for (const c of cleanups.reverse()) await c();
});

async function json(server: ServerProcess, url: string, init?: RequestInit) {
  const res = await server.fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init?.headers },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('two API replicas', () => {
  it('deliver a change made through one to an agent connected to the other', async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const env = {
      DATABASE_URL: database.url,
      PADDOCK_SECRET_KEY: KEY.toString('base64'),
      PADDOCK_AGENT_HEARTBEAT_MS: '2000',
    };
    const [a, b] = await Promise.all([
      startServer({ ...env, PADDOCK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'paddock-a-')) }),
      startServer({ ...env, PADDOCK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'paddock-b-')) }),
    ]);
    running.push(a, b);

    // Enroll through A.
    const token = await json(a, `/api/v1/enrollment-tokens`, {
      method: 'POST',
      body: JSON.stringify({ name: 'replicas' }),
    });
    const enrolled = await json(a, `/api/v1/agent/enroll`, {
      method: 'POST',
      body: JSON.stringify({ token: token.body.token, hostname: 'replica-host', systemId: 's_aaaaaaaaaaaa' }),
    });
    expect(enrolled.status).toBe(201);
    const machineId = enrolled.body.machineId as string;

    // A runner assigned to the machine, its token sealed with the replicas' shared key.
    const db = createDatabase({ connectionString: database.url, maxConnections: 2 });
    cleanups.push(() => db.close());
    const f = factories(db, createSecretBox(KEY));
    const gl = await f.gitlabInstance({ url: 'https://gitlab.replicas.example.com' });
    const runner = await f.runner(gl.id, { description: 'replicated' }, 'glrt-t1_ReplicaToken00000001');
    await f.assign(runner.id, machineId);

    // The agent connects to B.
    const messages: ServerMessage[] = [];
    const ws = new WebSocket(`${b.url.replace(/^http/, 'ws')}/agent`, {
      headers: { authorization: `Bearer ${enrolled.body.credential as string}` },
    });
    ws.on('message', (data) => {
      const parsed = parseServerMessage(data.toString());
      if (parsed.ok) messages.push(parsed.message);
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(
      encodeMessage({
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        agentVersion: 'test',
        systemId: 's_aaaaaaaaaaaa',
        hostname: 'replica-host',
        os: 'linux',
        arch: 'x64',
        runnerVersion: null,
        applied: null,
        diskSha256: null,
      }),
    );
    const next = async (predicate: (m: ServerMessage) => boolean) => {
      const until = Date.now() + 15_000;
      for (;;) {
        const i = messages.findIndex(predicate);
        if (i !== -1) return messages.splice(i, 1)[0]!;
        if (Date.now() > until) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await next((m) => m.type === 'welcome');

    // The limit changes through A; the apply arrives through B.
    const patched = await json(a, `/api/v1/runners/${runner.id}/token`, {
      method: 'PATCH',
      body: JSON.stringify({ limit: 3 }),
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const apply = await next((m) => m.type === 'apply');
    if (apply.type !== 'apply') throw new Error('expected apply');
    expect(apply.config).toContain('limit = 3');
    expect(apply.config).toContain('glrt-t1_ReplicaToken00000001');

    ws.send(
      encodeMessage({ type: 'applied', revision: apply.revision, sha256: apply.sha256, written: true }),
    );
    const until = Date.now() + 10_000;
    for (;;) {
      const seen = await json(a, `/api/v1/machines/${machineId}`);
      if (seen.body.appliedRevision === apply.revision) {
        expect(seen.body).toMatchObject({ connectionState: 'online', revisionState: 'in_sync' });
        break;
      }
      if (Date.now() > until) throw new Error('A never saw the revision applied');
      await new Promise((r) => setTimeout(r, 50));
    }
    ws.close();
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
  });
});
