/**
 * A fleet for the wall-screen benchmark, and its life: machines whose agents report running jobs every second,
 * and a few that go offline, come back, drift or drain.
 *
 * Each tick writes what the agent gateway writes (one `UPDATE machines … FROM unnest(…)` for the whole batch, as the
 * gateway's status batcher does: `last_status` with the jobs per runner, `last_seen_at`, `connection_state`; drift
 * and drain stamps) and then publishes `machines.changed` with the ids whose tile changed on the API's event bus,
 * over Postgres NOTIFY as another replica's gateway would. The API process under test hears it on its LISTEN
 * connection like any notification from a peer replica.
 */
import type { Database } from '../../apps/api/src/db/client.js';
import { createPgEventBus, type EventBus } from '../../apps/api/src/lib/event-bus.js';
import type { SecretBox } from '../../apps/api/src/lib/secrets.js';
import { seedFleet } from './seed.js';

const GITLAB_URL = 'https://gitlab.bench.invalid';
const TAG_SETS = [
  ['docker', 'linux'],
  ['docker'],
  ['arm64', 'linux'],
  ['gpu', 'large'],
  ['windows'],
  ['k8s'],
];

type State = 'online' | 'offline' | 'never_connected';

interface FleetMachine {
  id: string;
  state: State;
  drifting: boolean;
  draining: boolean;
  /** the runners on it: GitLab's runner id and the limit rendered for this machine */
  runners: Array<{ id: number; limit: number }>;
  /** jobs running now, per runner (same order) */
  running: number[];
}

/** How much of the fleet changes per tick (probabilities per machine, or per runner on a machine). */
export interface ChurnRates {
  /** a runner's running-job count moves by one */
  jobs: number;
  /** an online machine goes offline, or an offline one comes back */
  connection: number;
  /** a machine starts or stops drifting */
  drift: number;
  /** a machine starts or stops draining */
  drain: number;
}

export const DEFAULT_CHURN: ChurnRates = { jobs: 0.3, connection: 0.002, drift: 0.001, drain: 0.0005 };

export interface TickResult {
  /** rows written (every online machine reports; machines that went offline are marked) */
  written: number;
  /** machines whose tile changed: the ids published in `machines.changed` */
  changed: number;
  /** from the start of the write to the end of the publish */
  ms: number;
}

/**
 * Seeds `machines` machines, one runner per machine with two placements each (so ~2 runners per machine) and job
 * limits of 2-4 per placement, 10 % offline, a few never connected, drifting or draining, and some jobs in the
 * queues (pending, running, failed in the last hour) so the wall's side panels have rows.
 */
export async function seedWallFleet(db: Database, secrets: SecretBox, machines: number): Promise<void> {
  await seedFleet(db, secrets, { runners: machines, machines });
  const q = (sql: string) => db.pool.query(sql);
  await q(`UPDATE assignments SET effective_limit = 2 + abs(hashtext(id::text)) % 3`);
  // hostnames are runner-00000…; the number picks a few of each kind, spread over the grid
  const n = `substring(hostname from 8)::int`;
  await q(
    `UPDATE machines SET connection_state = 'never_connected', last_seen_at = NULL WHERE ${n} % 250 = 5`,
  );
  await q(`UPDATE machines SET drift_sha256 = repeat('d', 64), drift_detected_at = now()
            WHERE ${n} % 150 = 3 AND connection_state = 'online'`);
  await q(`UPDATE machines SET draining_since = now() WHERE ${n} % 400 = 11 AND connection_state = 'online'`);

  const gl = await db.prisma.gitlabInstance.findFirstOrThrow({ select: { id: true } });
  const now = Date.now();
  const jobs = Array.from({ length: 240 }, (_, i) => {
    const tags = TAG_SETS[i % TAG_SETS.length]!;
    const status = i < 150 ? 'pending' : i < 220 ? 'running' : 'failed';
    const created = new Date(now - ((i * 37) % 1800) * 1000);
    return {
      gitlabInstanceId: gl.id,
      gitlabJobId: 9_000_000 + i,
      projectId: 100 + (i % 17),
      name: `job ${i}`,
      status,
      tags,
      tagSetKey: [...tags].sort().join(','),
      createdAt: created,
      queuedAt: created,
      startedAt: status === 'pending' ? null : new Date(created.getTime() + 20_000),
      finishedAt: status === 'failed' ? new Date(now - (i % 50) * 60_000) : null,
    };
  });
  await db.prisma.jobSnapshot.createMany({ data: jobs });
  await q('ANALYZE');
}

/** The fleet as the agents see it, and the tick that moves it on. */
export async function fleetChurn(opts: {
  db: Database;
  connectionString: string;
  rates?: ChurnRates;
  /** source of randomness in [0, 1): the same seed gives the same fleet history */
  random: () => number;
}) {
  const { db, random } = opts;
  const rates = opts.rates ?? DEFAULT_CHURN;
  const { rows } = await db.pool.query<{
    id: string;
    state: State;
    drifting: boolean;
    draining: boolean;
    runners: Array<{ id: number; limit: number }>;
  }>(`
    SELECT m.id::text AS id, m.connection_state::text AS state, m.drift_sha256 IS NOT NULL AS drifting,
           m.draining_since IS NOT NULL AS draining,
           COALESCE(json_agg(json_build_object('id', r.gitlab_runner_id, 'limit', a.effective_limit)
                             ORDER BY r.gitlab_runner_id) FILTER (WHERE a.id IS NOT NULL), '[]') AS runners
      FROM machines m
      LEFT JOIN assignments a ON a.machine_id = m.id
      LEFT JOIN runners r ON r.id = a.runner_id
     GROUP BY m.id
     ORDER BY m.hostname`);
  const fleet: FleetMachine[] = rows.map((r) => ({
    ...r,
    running: r.runners.map((runner) =>
      r.state === 'online' ? Math.floor(random() * (runner.limit + 1)) : 0,
    ),
  }));
  const bus: EventBus = createPgEventBus({
    connectionString: opts.connectionString,
    pool: db.pool,
    log: { warn: () => {}, error: () => {} } as never,
  });

  const statusOf = (m: FleetMachine) =>
    JSON.stringify({
      type: 'status',
      diskSha256: null,
      runner: {
        metricsOk: true,
        error: null,
        version: '18.5.0',
        concurrent: null,
        jobs: m.runners.map((r, i) => ({
          runner: { url: GITLAB_URL, id: r.id },
          running: m.running[i]!,
          limit: r.limit,
        })),
      },
      host: {
        cpuCount: 8,
        load1: 1 + m.running.reduce((a, b) => a + b, 0),
        memoryBytes: 16e9,
        memoryAvailableBytes: 8e9,
      },
    });

  /** Moves every machine on by one heartbeat, without writing. */
  const step = () => {
    const touched: FleetMachine[] = [];
    const changed: string[] = [];
    for (const m of fleet) {
      if (m.state === 'never_connected') continue;
      let tileChanged = false;
      if (random() < rates.connection) {
        m.state = m.state === 'online' ? 'offline' : 'online';
        tileChanged = true;
      }
      if (m.state === 'online') {
        if (random() < rates.drift) {
          m.drifting = !m.drifting;
          tileChanged = true;
        }
        if (random() < rates.drain) {
          m.draining = !m.draining;
          tileChanged = true;
        }
        m.runners.forEach((r, i) => {
          if (random() >= rates.jobs) return;
          const next = Math.min(r.limit, Math.max(0, m.running[i]! + (random() < 0.5 ? -1 : 1)));
          if (next !== m.running[i]) tileChanged = true;
          m.running[i] = next;
        });
      }
      // Every online machine reports; one that just went offline has its state written.
      if (m.state === 'online' || tileChanged) touched.push(m);
      if (tileChanged) changed.push(m.id);
    }
    return { touched, changed };
  };

  const write = async (touched: FleetMachine[]) => {
    await db.pool.query(
      `UPDATE machines m
          SET connection_state = s.state::"ConnectionState",
              last_seen_at = CASE WHEN s.state = 'online' THEN now() ELSE m.last_seen_at END,
              last_status = COALESCE(s.status::jsonb, m.last_status),
              drift_sha256 = CASE WHEN s.drifting THEN COALESCE(m.drift_sha256, repeat('d', 64)) END,
              draining_since = CASE WHEN s.draining THEN COALESCE(m.draining_since, now()) END,
              updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bool[], $5::bool[])
              AS s(id, state, status, drifting, draining)
        WHERE m.id = s.id`,
      [
        touched.map((m) => m.id),
        touched.map((m) => m.state),
        touched.map((m) => (m.state === 'online' ? statusOf(m) : null)),
        touched.map((m) => m.drifting),
        touched.map((m) => m.draining),
      ],
    );
  };

  return {
    size: fleet.length,
    /** Writes the current state of every machine once, without publishing (the fleet before the API starts). */
    async initialize(): Promise<void> {
      await write(fleet.filter((m) => m.state !== 'never_connected'));
    },
    /** One heartbeat of the whole fleet: write, then tell the API's replicas. */
    async tick(): Promise<TickResult> {
      const t0 = performance.now();
      const { touched, changed } = step();
      await write(touched);
      if (changed.length > 0) await bus.publish({ topic: 'machines.changed', machineIds: changed });
      return { written: touched.length, changed: changed.length, ms: performance.now() - t0 };
    },
    close: () => bus.close(),
  };
}
export type FleetChurn = Awaited<ReturnType<typeof fleetChurn>>;
