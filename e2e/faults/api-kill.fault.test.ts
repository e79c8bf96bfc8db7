/**
 * Issue 8, point 2: "kill -9 the API mid-rollout to 1,000 agents → after restart every machine converges".
 * The built API on a fresh database, 1,000 real agents (the config-push benchmark's worker processes, each agent
 * with its own config store and directory), a token limit changed through the REST API; once the API has
 * recorded the first answers of that rollout it is killed with SIGKILL, then started again on the same port and
 * database. Every machine must end with desired = applied = the new revision, and every agent's config.toml must
 * have that revision's hash. How long that took after the restart is printed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../apps/api/src/db/client.js';
import {
  createFleetDatabase,
  seedFleet,
  startAgentWorkers,
  type AgentWorkers,
  type SeededFleet,
} from './support/agent-fleet.js';
import { freePort, startBuiltApi, type BuiltApi } from './support/built-api.js';

const AGENTS = 1000;
/** answers of the new rollout the API has recorded when it is killed */
const KILL_AFTER_APPLIED = 50;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch((err: unknown) => console.error(err));
});

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe(`API killed with SIGKILL in the middle of a rollout to ${AGENTS} agents`, () => {
  let api: BuiltApi;
  let env: Record<string, string>;
  let port: number;
  let fleet: SeededFleet;
  let workers: AgentWorkers;
  let db: Database;

  const patchLimit = async (limit: number) => {
    const res = await fetch(`${api.url}/api/v1/runners/${fleet.runnerId}/token`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: fleet.authorization },
      body: JSON.stringify({ limit }),
    });
    const body = (await res.json()) as { revisions: Array<{ revision: number }> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.revisions).toHaveLength(AGENTS);
    const numbers = new Set(body.revisions.map((r) => r.revision));
    expect(numbers.size).toBe(1);
    return [...numbers][0]!;
  };

  beforeAll(async () => {
    const database = await createFleetDatabase('api_kill');
    cleanups.push(database.drop);
    const key = randomBytes(32);
    fleet = await seedFleet(database.url, key, AGENTS);
    db = createDatabase({ connectionString: database.url, maxConnections: 2 });
    cleanups.push(() => db.close());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-fault-api-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    env = {
      DATABASE_URL: database.url,
      PADDOCK_SECRET_KEY: key.toString('hex'),
      PADDOCK_DATA_DIR: dataDir,
      // The answers are logged at info: the kill is timed by them.
      LOG_LEVEL: 'info',
    };
    port = await freePort();
    api = await startBuiltApi(env, port);
    cleanups.push(() => api.kill());
    const root = mkdtempSync(path.join(os.tmpdir(), 'paddock-fault-agents-'));
    cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
    workers = await startAgentWorkers({ server: api.url, root, agents: fleet.agents, workers: 2 });
    cleanups.push(() => workers.stop());
  });

  it('every machine converges after the restart', async () => {
    // The fleet's first config.toml, everywhere.
    const first = await patchLimit(5);
    expect(await workers.awaitRevision(first, 120_000)).toBe(0);

    // The rollout under test: the API dies once it has recorded KILL_AFTER_APPLIED of its answers.
    const target = first + 1;
    let recorded = 0;
    let armed = false;
    let killing: Promise<void> | null = null;
    const killed = new Promise<void>((resolve) => {
      const maybeKill = () => {
        if (!armed || killing || recorded < KILL_AFTER_APPLIED) return;
        killing = api.kill('SIGKILL').then(resolve);
      };
      api.onLine((line) => {
        if (line.includes('"msg":"revision applied"') && line.includes(`"revision":${target},`)) {
          recorded++;
          maybeKill();
        }
      });
      // Armed once the PATCH has answered, so that the answer is not what the kill cuts off.
      void patchLimit(6).then((revision) => {
        expect(revision).toBe(target);
        armed = true;
        maybeKill();
      });
    });
    await killed;
    const appliedAtKill = await db.prisma.configRevision.count({
      where: { number: target, status: 'applied' },
    });
    console.log(`API killed with ${appliedAtKill} of ${AGENTS} answers recorded (${recorded} logged)`);
    expect(appliedAtKill).toBeGreaterThanOrEqual(KILL_AFTER_APPLIED);
    expect(appliedAtKill, 'the rollout ended before the kill').toBeLessThan(AGENTS);

    const restartedAt = performance.now();
    api = await startBuiltApi(env, port);
    const listeningMs = performance.now() - restartedAt;
    await until(
      'every machine to run the new revision',
      () => db.prisma.machine.count({ where: { desiredRevision: target, appliedRevision: target } }),
      (n) => n === AGENTS,
      5 * 60_000,
    );
    const convergedMs = performance.now() - restartedAt;

    const revisions = await db.prisma.configRevision.findMany({
      where: { number: target },
      select: { sha256: true, status: true },
    });
    expect(revisions).toHaveLength(AGENTS);
    expect(new Set(revisions.map((r) => r.status))).toEqual(new Set(['applied']));
    const hashes = new Set(revisions.map((r) => r.sha256));
    expect(hashes.size).toBe(1);
    const expected = [...hashes][0];
    const wrong = fleet.agents.filter(
      (a) =>
        createHash('sha256')
          .update(readFileSync(workers.configPath(a.index)))
          .digest('hex') !== expected,
    );
    expect(wrong.map((a) => a.index)).toEqual([]);
    console.log(
      `restarted API listening after ${(listeningMs / 1000).toFixed(1)} s; all ${AGENTS} machines converged ` +
        `${(convergedMs / 1000).toFixed(1)} s after the restart`,
    );
  });
});
