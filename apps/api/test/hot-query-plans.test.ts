/**
 * The hot reads keep their indexes. A fleet of 3,000 runners, 600 machines, 20,000 jobs, an hour of fleet samples,
 * five config revisions per machine and 10,000 audit events is seeded and ANALYZEd; each read then runs the app's
 * own code (the route through `app.inject`, or the gateway's function) over a pool that records what it sends, and
 * the recorded statement, with its bound values, is planned with `EXPLAIN (FORMAT JSON)`. A change to a query or
 * an index that loses the index fails here, with the plan in the message.
 *
 * bench/explain-hot-queries.ts measures the same reads at 10,000 runners (bench/RESULTS.md).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayStore } from '../src/agent-gateway/store.js';
import { buildApp, type App } from '../src/app.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { createSecretBox } from '../src/lib/secrets.js';
import { storedRevisions } from '../src/modules/revisions/revision-source.js';
import { authenticateInjects, createTestUser } from './support/auth.js';
import { createTestDatabase, testEnv } from './support/test-db.js';

const RUNNERS = 3_000;
const MACHINES = 600;
const JOBS = 20_000;
const SAMPLE_MINUTES = 60;
const REVISIONS_PER_MACHINE = 5;
const AUDIT_EVENTS = 10_000;

/** Tables a paged or filtered hot read must never read whole. */
const BIG_TABLES = ['runners', 'job_snapshots', 'config_revisions', 'audit_events', 'fleet_samples'];

interface Statement {
  text: string;
  values: unknown[];
}

let app: App;
let db: Database;
let explainer: pg.Client;
let drop: () => Promise<void>;
let recorded: Statement[] = [];
const ids = { machineId: '', runnerId: '', fleetRolloutId: '', machineSlice: [] as string[] };

/** Has the pool record every statement it sends, as Prisma's adapter and the app's raw SQL pass them to pg. */
function recordStatements(pool: pg.Pool): void {
  class RecordingClient extends pg.Client {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override query(...args: any[]): any {
      const first: unknown = args[0];
      if (typeof first === 'string') recorded.push({ text: first, values: (args[1] as unknown[]) ?? [] });
      else if (first && typeof first === 'object' && 'text' in first)
        recorded.push(first as Statement & { values?: unknown[] });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (super.query as (...a: any[]) => any)(...args);
    }
  }
  // pg-pool opens each connection with `new pool.Client(...)` when first needed.
  (pool as unknown as { Client: typeof pg.Client }).Client = RecordingClient;
}

/** What `fn` sent to the database. */
async function sent(fn: () => Promise<unknown>): Promise<Statement[]> {
  recorded = [];
  await fn();
  return recorded.map((s) => ({ text: s.text, values: s.values ?? [] }));
}

async function get(url: string): Promise<Record<string, unknown>> {
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Reads the middle page of a list, reached by the API's own cursors; only that last request is recorded. */
function middlePage(url: string, limit: number): () => Promise<unknown> {
  return async () => {
    let page = await get(url);
    const pages = Math.floor(Number(page.total) / limit / 2);
    for (let i = 1; i < pages; i++) page = await get(`${url}&cursor=${page.nextCursor as string}`);
    recorded = [];
    return get(`${url}&cursor=${page.nextCursor as string}`);
  };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/**
 * The plan of one recorded statement: the indexes it uses (with their conditions) and the tables it reads
 * sequentially.
 */
async function plan(statement: Statement, opts: { seqscanOff: boolean }) {
  await explainer.query('BEGIN');
  try {
    if (opts.seqscanOff) await explainer.query('SET LOCAL enable_seqscan = off');
    const { rows } = await explainer.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${statement.text}`,
      statement.values,
    );
    const root = rows[0]!['QUERY PLAN'][0].Plan;
    const indexes: string[] = [];
    const conditions: string[] = [];
    const seqScans: string[] = [];
    const visit = (n: PlanNode) => {
      if (n['Index Name']) indexes.push(n['Index Name']);
      if (n['Index Name'] && n['Index Cond']) conditions.push(`${n['Index Name']}: ${n['Index Cond']}`);
      if (n['Node Type'] === 'Seq Scan' && n['Relation Name']) seqScans.push(n['Relation Name']);
      n.Plans?.forEach(visit);
    };
    visit(root);
    return { indexes, conditions, seqScans, json: JSON.stringify(root, null, 1) };
  } finally {
    await explainer.query('ROLLBACK');
  }
}

beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  db = createDatabase({ connectionString: database.url, maxConnections: 4 });
  recordStatements(db.pool);
  explainer = new pg.Client({ connectionString: database.url });
  await explainer.connect();
  app = await buildApp({ env: testEnv(), db, secrets: createSecretBox(randomBytes(32)), logger: false });
  await app.ready();
  authenticateInjects(app, (await createTestUser(db.prisma, 'admin')).bearer);
  await seed(db.pool);
  ids.machineId = await oneId(
    `SELECT id::text FROM machines ORDER BY hostname OFFSET ${MACHINES / 2} LIMIT 1`,
  );
  ids.runnerId = await oneId(`SELECT id::text FROM runners ORDER BY id OFFSET ${RUNNERS / 2} LIMIT 1`);
  ids.fleetRolloutId = await oneId(
    `SELECT rollout_id::text AS id FROM config_revisions GROUP BY rollout_id ORDER BY count(*) DESC LIMIT 1`,
  );
  ids.machineSlice = (
    await db.pool.query<{ id: string }>(`SELECT id::text FROM machines ORDER BY id LIMIT 200`)
  ).rows.map((r) => r.id);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await db?.close();
  await explainer?.end();
  await drop?.();
});

async function oneId(sql: string): Promise<string> {
  return (await db.pool.query<{ id: string }>(sql)).rows[0]!.id;
}

/**
 * The shape production has: runners with two of six tags (`gpu` on one in a hundred), each on two machines; jobs
 * over a month in time order, the newest 2 % (the last hour's) pending or running; a sample per machine and tag set
 * a minute; revision n of 50 machines in one rollout, the newest in one rollout of every machine; audit events over
 * 90 days.
 */
async function seed(pool: pg.Pool): Promise<void> {
  await pool.query(`
    INSERT INTO gitlab_instances (id, name, url, access_token_ciphertext, access_token_last4, updated_at)
    VALUES (gen_random_uuid(), 'plans', 'https://gitlab.plans.invalid', 'not-a-secret', 'xxxx', now());

    INSERT INTO machines (id, hostname, system_id, labels, connection_state, last_seen_at, desired_revision,
                          applied_revision, updated_at)
    SELECT gen_random_uuid(), 'host-' || lpad(i::text, 5, '0'), 's_' || lpad(to_hex(i), 12, '0'),
           jsonb_build_object('region', (ARRAY['eu', 'us', 'ap'])[1 + i % 3]),
           (CASE WHEN i % 10 = 0 THEN 'offline' ELSE 'online' END)::"ConnectionState",
           now() - make_interval(secs => i % 300), ${REVISIONS_PER_MACHINE}, ${REVISIONS_PER_MACHINE}, now()
      FROM generate_series(0, ${MACHINES - 1}) AS i;

    INSERT INTO runners (id, gitlab_instance_id, gitlab_runner_id, runner_type, description, tags, gitlab_status,
                         updated_at)
    SELECT gen_random_uuid(), (SELECT id FROM gitlab_instances), 100000 + i, 'instance_type', 'runner ' || i,
           CASE WHEN i % 100 = 0 THEN ARRAY['gpu', 'linux']
                ELSE ARRAY[(ARRAY['docker', 'linux', 'arm64', 'windows', 'k8s'])[1 + i % 5],
                           (ARRAY['large', 'shell', 'macos'])[1 + i % 3]] END,
           CASE WHEN i % 5 = 0 THEN 'offline' ELSE 'online' END, now()
      FROM generate_series(0, ${RUNNERS - 1}) AS i;

    INSERT INTO assignments (id, runner_id, machine_id, effective_limit, updated_at)
    SELECT gen_random_uuid(), r.id, m.id, 4, now()
      FROM (SELECT id, row_number() OVER (ORDER BY gitlab_runner_id) - 1 AS i FROM runners) r
      CROSS JOIN generate_series(0, 1) AS k
      JOIN (SELECT id, row_number() OVER (ORDER BY hostname) - 1 AS i FROM machines) m
        ON m.i = (r.i * 3 + k * 97) % ${MACHINES};

    INSERT INTO job_snapshots (id, gitlab_instance_id, gitlab_job_id, project_id, runner_id, runner_system_id, name,
                               status, tags, tag_set_key, queued_at, started_at, finished_at, created_at, updated_at)
    SELECT gen_random_uuid(), (SELECT id FROM gitlab_instances), 1000000 + g, 1 + g % 200,
           CASE WHEN j.status <> 'pending' THEN r.id END, CASE WHEN j.status <> 'pending' THEN m.system_id END,
           'job ' || g % 40, j.status, r.tags, array_to_string(ARRAY(SELECT unnest(r.tags) ORDER BY 1), ','),
           j.at, started.at, finished.at, j.at, coalesce(finished.at, started.at, j.at)
      FROM (SELECT g, CASE WHEN g > ${JOBS * 0.99} THEN 'pending' WHEN g > ${JOBS * 0.98} THEN 'running'
                           WHEN g % 100 < 8 THEN 'failed' ELSE 'success' END AS status,
                      CASE WHEN g > ${JOBS * 0.98} THEN now() - make_interval(secs => (${JOBS} - g) * 3600.0 / ${JOBS * 0.02})
                           ELSE now() - interval '10 minutes' - make_interval(secs => (${JOBS * 0.98} - g) * 2592000.0 / ${JOBS * 0.98})
                      END AS at
              FROM generate_series(1, ${JOBS}) AS g) j
      JOIN (SELECT id, tags, row_number() OVER (ORDER BY gitlab_runner_id) - 1 AS i FROM runners) r
        ON r.i = (j.g * 31) % ${RUNNERS}
      JOIN (SELECT system_id, row_number() OVER (ORDER BY hostname) - 1 AS i FROM machines) m
        ON m.i = (j.g * 7) % ${MACHINES}
     CROSS JOIN LATERAL (SELECT CASE WHEN j.status <> 'pending' THEN j.at + interval '30 seconds' END AS at) started
     CROSS JOIN LATERAL (SELECT CASE WHEN j.status IN ('failed', 'success') THEN started.at + interval '5 minutes' END
                           AS at) finished
     ORDER BY g;

    INSERT INTO fleet_samples (at, kind, machine_id, tag_set_key, running, "limit", pending, oldest_wait_seconds)
    SELECT at, kind::"SampleKind", machine_id, tag_set_key, running, lim, pending, oldest
      FROM generate_series(1, ${SAMPLE_MINUTES}) AS k
     CROSS JOIN LATERAL (SELECT date_trunc('minute', now()) - make_interval(mins => ${SAMPLE_MINUTES} - k) AS at) t
     CROSS JOIN LATERAL (
       SELECT 'machine' AS kind, m.id AS machine_id, NULL::text AS tag_set_key, k % 5 AS running, 8 AS lim,
              NULL::int AS pending, NULL::int AS oldest
         FROM machines m
       UNION ALL
       SELECT 'tag_set', NULL, s.key, 0, NULL, k % 7, k * 10
         FROM (SELECT DISTINCT tag_set_key AS key FROM job_snapshots) s) rows
     ORDER BY at;

    CREATE TEMP TABLE plan_rollouts AS
      SELECT gen_random_uuid() AS id, n, grp
        FROM generate_series(1, ${REVISIONS_PER_MACHINE - 1}) AS n, generate_series(0, ${MACHINES / 50 - 1}) AS grp
      UNION ALL SELECT gen_random_uuid(), ${REVISIONS_PER_MACHINE}, NULL;
    INSERT INTO rollouts (id, reason, actor_type, created_at)
    SELECT id, 'limit change', 'user', now() - make_interval(days => ${REVISIONS_PER_MACHINE} - n) FROM plan_rollouts;
    INSERT INTO config_models (hash, model)
    SELECT encode(sha256(convert_to(j::text, 'UTF8')), 'hex'), j
      FROM (SELECT jsonb_build_object('concurrent', 8, 'machine', id) AS j FROM machines) s;
    INSERT INTO config_revisions (id, machine_id, number, rollout_id, model_hash, sha256, reason, actor_type,
                                  status, created_at)
    SELECT gen_random_uuid(), m.id, o.n, o.id,
           encode(sha256(convert_to(jsonb_build_object('concurrent', 8, 'machine', m.id)::text, 'UTF8')), 'hex'),
           encode(sha256(convert_to(m.id::text || o.n, 'UTF8')), 'hex'), 'limit change', 'user',
           (CASE WHEN o.n < ${REVISIONS_PER_MACHINE} THEN 'superseded' WHEN m.i % 100 = 42 THEN 'failed'
                 ELSE 'applied' END)::"RevisionStatus",
           now() - make_interval(days => ${REVISIONS_PER_MACHINE} - o.n)
      FROM (SELECT id, row_number() OVER (ORDER BY hostname) - 1 AS i FROM machines) m
      JOIN plan_rollouts o ON o.grp = m.i / 50 OR o.grp IS NULL;

    INSERT INTO audit_events (id, at, actor_type, actor_id, actor_label, action, target_type, target_id)
    SELECT gen_random_uuid(), now() - make_interval(secs => (${AUDIT_EVENTS} - g) * 7776000.0 / ${AUDIT_EVENTS}),
           'user', 'user-' || g % 20, 'person' || g % 20 || '@example.test',
           (ARRAY['runner.update', 'token_limit.update', 'machine.update', 'session.login'])[1 + g % 4],
           (ARRAY['runner', 'runner', 'machine', 'user'])[1 + g % 4],
           CASE WHEN g % 4 < 2 THEN r.id::text ELSE 'target-' || g % 500 END
      FROM generate_series(1, ${AUDIT_EVENTS}) AS g
      JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM runners) r ON r.i = (g * 13) % ${RUNNERS}
     ORDER BY g;

    -- Scripts' API tokens, so that finding one by its hash is a choice between indexes, not a tiny table.
    INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, scope)
    SELECT gen_random_uuid(), u.id, 'script ' || g, encode(sha256(convert_to('token ' || g, 'UTF8')), 'hex'),
           'pda_script', 'read'
      FROM generate_series(1, 2000) AS g, (SELECT id FROM users ORDER BY created_at LIMIT 1) u;
  `);
  await pool.query('VACUUM ANALYZE');
}

interface Case {
  read: string;
  run: () => Promise<unknown>;
  /** which of the statements the read sent is under test */
  statement: RegExp;
  index: string;
  /**
   * Why the planner may legitimately prefer a sequential scan at this size: then sequential scans are priced out
   * inside the EXPLAIN's transaction, which proves the index serves the statement (as the retention test does).
   */
  seqscanOff?: string;
  /**
   * The condition the index must be scanned with (`index: condition`), where walking the whole index in order
   * would also pass, as a deep page that filters every row above its cursor.
   */
  indexCond?: RegExp;
}

const RUNNER_PAGE = /FROM runners r LEFT JOIN runner_tokens t/;
const JOBS_FOR_QUEUES = /FROM job_snapshots j\s+LEFT JOIN machines m ON m\.system_id = j\.runner_system_id/;
const AUDIT_PAGE = /^SELECT "public"\."audit_events"\./;

const cases: Case[] = [
  {
    read: 'the first runner page',
    run: () => get('/api/v1/runners?limit=100'),
    statement: RUNNER_PAGE,
    index: 'runners_pkey',
  },
  {
    read: 'a middle runner page',
    run: middlePage('/api/v1/runners?limit=100', 100),
    statement: RUNNER_PAGE,
    index: 'runners_pkey',
  },
  {
    read: 'runners with a tag',
    run: () => get('/api/v1/runners?limit=100&tag=docker'),
    statement: RUNNER_PAGE,
    index: 'runners_pkey',
  },
  {
    read: 'the count of runners with a rare tag',
    run: () => get('/api/v1/runners?limit=100&tag=gpu'),
    statement: /SELECT count\(\*\)::int AS n FROM runners r WHERE r\.tags @>/,
    index: 'runners_tags_idx',
  },
  {
    read: 'the job queues (active jobs and those started in the last hour)',
    run: () => get('/api/v1/jobs/queues'),
    statement: JOBS_FOR_QUEUES,
    index: 'job_snapshots_started_at_idx',
  },
  {
    read: 'the pending job list',
    run: () => get('/api/v1/jobs?status=pending'),
    statement: JOBS_FOR_QUEUES,
    index: 'job_snapshots_status_tag_set_key_idx',
  },
  {
    read: 'the newest job update of the wall summary',
    run: () => get('/api/v1/wall/summary'),
    statement: /max\(updated_at\) AS at FROM job_snapshots/,
    index: 'job_snapshots_updated_at_idx',
  },
  {
    read: "the wall summary's failed jobs of the last hour",
    run: () => get('/api/v1/wall/summary'),
    statement: /FROM job_snapshots j\s+WHERE j\.status = 'failed'/,
    index: 'job_snapshots_finished_at_updated_at_idx',
  },
  {
    read: "the wall summary's failed revisions of the last hour",
    run: () => get('/api/v1/wall/summary'),
    statement: /FROM config_revisions r\s+WHERE r\.status = 'failed'/,
    index: 'config_revisions_status_idx',
  },
  {
    read: "the runners on a wall label's machines",
    run: () => get('/api/v1/wall/summary?label=region=eu'),
    statement: /^SELECT DISTINCT a\.runner_id::text AS id\s+FROM assignments a JOIN machines m/,
    index: 'machines_labels_idx',
    seqscanOff:
      'a third of 600 machines carry the label, so reading them all is as cheap as the index; at 2,000 ' +
      'machines the planner takes the index by itself (bench/RESULTS.md)',
  },
  {
    read: 'the newest fleet sample of the trends',
    run: () => get('/api/v1/fleet/trends?range=hour'),
    statement: /max\(at\) AS at FROM fleet_samples/,
    index: 'fleet_samples_at_idx',
  },
  {
    read: 'the desired revisions of a slice of machines',
    run: () =>
      storedRevisions(
        db,
        async (models) => models.map(() => ''),
        async () => {},
      ).desired(ids.machineSlice),
    statement: /JOIN config_revisions r ON r\.machine_id = m\.id AND r\.number = m\.desired_revision/,
    index: 'config_revisions_machine_id_number_key',
    seqscanOff:
      'with five revisions per machine, hashing all of them beats 200 index probes; with the 50 per machine ' +
      'that retention keeps (2,000 machines), the planner takes the index by itself for a slice of 1,000',
  },
  {
    read: 'the machines of a rollout',
    run: () =>
      gatewayStore({
        prisma: db.prisma,
        secrets: createSecretBox(randomBytes(32)),
        replicaId: 'plans',
      }).machinesOfRollout(ids.fleetRolloutId),
    statement: /FROM config_revisions WHERE rollout_id =/,
    index: 'config_revisions_rollout_id_idx',
  },
  {
    read: "a rollout's status",
    run: () => get(`/api/v1/rollouts/${ids.fleetRolloutId}`),
    statement: /FROM "public"\."config_revisions" WHERE "public"\."config_revisions"\."rollout_id"/,
    index: 'config_revisions_rollout_id_idx',
  },
  {
    read: 'the first audit page',
    run: () => get('/api/v1/audit-events?limit=50'),
    statement: AUDIT_PAGE,
    index: 'audit_events_at_idx',
  },
  {
    read: 'a middle audit page',
    run: middlePage('/api/v1/audit-events?limit=200', 200),
    statement: AUDIT_PAGE,
    index: 'audit_events_at_idx',
    // Starts at the cursor: the `at <=` bound, which Postgres cannot take from the keyset's OR.
    indexCond: /^audit_events_at_idx: \(at <= '[^']+'::timestamp with time zone\)$/,
  },
  {
    read: "a target's audit events",
    run: () => get(`/api/v1/audit-events?limit=50&targetType=runner&targetId=${ids.runnerId}`),
    statement: AUDIT_PAGE,
    index: 'audit_events_target_type_target_id_idx',
  },
  {
    read: 'the API token behind every request',
    run: () => get('/api/v1/runners?limit=1'),
    statement: /FROM api_tokens t JOIN users u/,
    index: 'api_tokens_token_hash_key',
    // One lookup in the unique index of hashes, however many tokens there are.
    indexCond: /^api_tokens_token_hash_key: \(token_hash = '[0-9a-f]{64}'::bpchar\)$/,
  },
];

describe('each hot read', () => {
  it.each(cases)('$read goes through $index', async ({ run, statement, index, seqscanOff, indexCond }) => {
    const statements = await sent(run);
    const matching = statements.filter((s) => statement.test(s.text.trim()));
    expect(matching.map((s) => s.text)).toHaveLength(1);
    const { indexes, conditions, seqScans, json } = await plan(matching[0]!, {
      seqscanOff: seqscanOff !== undefined,
    });
    expect(indexes, json).toContain(index);
    if (indexCond)
      expect(
        conditions.some((c) => indexCond.test(c)),
        json,
      ).toBe(true);
    expect(
      seqScans.filter((t) => BIG_TABLES.includes(t)),
      json,
    ).toEqual([]);
  });
});
