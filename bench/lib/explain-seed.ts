/**
 * What the hot read queries need beyond `seedFleet` (machines, runners, tokens, assignments) to be planned as in a
 * real installation: job snapshots over a month with a small share still pending or running, per-minute fleet
 * samples, a few config revisions per machine grouped in rollouts, and an audit log. Written in SQL with
 * `generate_series`, in time order as the sync, the sampler and the API write them, so each table's physical order
 * follows its timestamps as it does in production.
 */
import type pg from 'pg';

export interface HotDataSize {
  /** job snapshots over `jobDays` days; 1 % pending and 1 % running, the rest finished */
  jobs: number;
  jobDays: number;
  /** hours of per-minute samples for every connected machine (and every tag set) */
  sampleHours: number;
  /** config revisions per machine */
  revisionsPerMachine: number;
  /** audit events over `auditDays` days */
  auditEvents: number;
  auditDays: number;
}

export const HOT_DATA_SIZE: HotDataSize = {
  jobs: 100_000,
  jobDays: 30,
  sampleHours: 6,
  revisionsPerMachine: 5,
  auditEvents: 50_000,
  auditDays: 90,
};

const ACTIONS: Array<[action: string, targetType: string]> = [
  ['runner.create', 'runner'],
  ['runner.update', 'runner'],
  ['runner.pause', 'runner'],
  ['runner.resume', 'runner'],
  ['runner.token_rotated', 'runner'],
  ['token_limit.update', 'runner'],
  ['token_limit.resplit', 'runner'],
  ['machine.update', 'machine'],
  ['machine.drain', 'machine'],
  ['machine.resume', 'machine'],
  ['machine.enroll', 'machine'],
  ['session.login', 'user'],
  ['user.update', 'user'],
  ['gitlab_sync.run', 'gitlab_instance'],
];

/**
 * Seeds the rows below on a database `seedFleet` already filled, then VACUUMs and ANALYZEs. `now` anchors every timestamp, so
 * the pending and running jobs are the last hour's and the samples end this minute.
 */
export async function seedHotData(pool: pg.Pool, size: HotDataSize, now = new Date()): Promise<void> {
  await seedRevisions(pool, size.revisionsPerMachine, now);
  await seedJobs(pool, size.jobs, size.jobDays, now);
  await seedSamples(pool, size.sampleHours, now);
  await seedAudit(pool, size.auditEvents, size.auditDays, now);
  // What autovacuum would have done by now: statistics, and visibility maps for index-only scans.
  await pool.query('VACUUM ANALYZE');
}

/**
 * Revision n of every machine belongs to rollout n of its group of 50 machines, except the newest, which one
 * fleet-wide rollout gave every machine (a limit change on a token assigned everywhere). The newest is applied on
 * 98 % of the machines, pending on 1 % and failed on 1 %; older ones are superseded.
 */
async function seedRevisions(pool: pg.Pool, perMachine: number, now: Date): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `CREATE TEMP TABLE seed_machines ON COMMIT DROP AS
         SELECT id, row_number() OVER (ORDER BY hostname) - 1 AS i FROM machines`,
    );
    // One rollout per (revision number, group of 50 machines); the newest number has one for the whole fleet.
    await client.query(
      `CREATE TEMP TABLE seed_rollouts ON COMMIT DROP AS
         SELECT gen_random_uuid() AS id, n, grp
           FROM generate_series(1, $1::int - 1) AS n,
                generate_series(0, (SELECT max(i) / 50 FROM seed_machines)) AS grp
         UNION ALL SELECT gen_random_uuid(), $1::int, NULL`,
      [perMachine],
    );
    await client.query(
      `INSERT INTO rollouts (id, reason, actor_type, actor_id, created_at)
       SELECT id, 'token limit change', 'user', NULL,
              $2::timestamptz - make_interval(hours => ($1::int - n) * 24)
         FROM seed_rollouts`,
      [perMachine, now],
    );
    await client.query(
      `CREATE TEMP TABLE seed_revisions ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, m.id AS machine_id, rev.num AS number, o.id AS rollout_id, model.doc,
              encode(sha256(convert_to(model.doc::text, 'UTF8')), 'hex') AS model_hash,
              s.status, rev.at
         FROM seed_machines m
        CROSS JOIN LATERAL (SELECT num, $2::timestamptz - make_interval(hours => ($1::int - num) * 24) AS at
                              FROM generate_series(1, $1::int) AS num) rev
         JOIN seed_rollouts o ON o.n = rev.num AND (o.grp = m.i / 50 OR (o.grp IS NULL AND rev.num = $1::int))
        CROSS JOIN LATERAL (SELECT CASE WHEN rev.num < $1::int THEN 'superseded'
                                        WHEN m.i % 100 = 7 THEN 'pending'
                                        WHEN m.i % 100 = 42 THEN 'failed'
                                        ELSE 'applied' END AS status) s
        CROSS JOIN LATERAL (
          SELECT jsonb_build_object(
                   'concurrent', 8, 'checkInterval', 3,
                   'runners', coalesce(jsonb_agg(jsonb_build_object(
                     'id', a.runner_id, 'limit', 4 + rev.num, 'tags', r.tags, 'executor', r.executor,
                     'url', 'https://gitlab.bench.invalid', 'description', r.description)), '[]'::jsonb)) AS doc
            FROM assignments a JOIN runners r ON r.id = a.runner_id
           WHERE a.machine_id = m.id) model
        ORDER BY rev.num, m.i`,
      [perMachine, now],
    );
    // Stored as the API stores them: each distinct model once, named by the hash of its jsonb text.
    await client.query(
      `INSERT INTO config_models (hash, model)
       SELECT DISTINCT ON (model_hash) model_hash, doc FROM seed_revisions ORDER BY model_hash`,
    );
    await client.query(
      `INSERT INTO config_revisions (id, machine_id, number, rollout_id, model_hash, sha256, reason, actor_type,
                                     status, created_at, applied_at, error)
       SELECT id, machine_id, number, rollout_id, model_hash, model_hash, 'token limit change', 'user',
              status::"RevisionStatus", at,
              CASE WHEN status IN ('applied', 'superseded') THEN at + interval '3 seconds' END,
              CASE WHEN status = 'failed' THEN 'permission denied' END
         FROM seed_revisions`,
    );
    await client.query(
      `UPDATE machines m
          SET desired_revision = $1,
              applied_revision = CASE WHEN s.i % 100 IN (7, 42) THEN $1 - 1 ELSE $1 END,
              apply_error = CASE WHEN s.i % 100 = 42 THEN 'permission denied' END
         FROM seed_machines s WHERE s.id = m.id`,
      [perMachine],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Jobs in creation order over `days`, each on a runner (and one of that runner's machines) with the runner's tags;
 * one in twenty untagged. The newest 2 %, created in the last hour, are still pending (no runner yet) or running;
 * the rest finished: 88 % success, 8 % failed, 3 % canceled, 1 % skipped (which never start).
 */
async function seedJobs(pool: pg.Pool, count: number, days: number, now: Date): Promise<void> {
  await pool.query(
    `WITH r AS (SELECT r.id, r.gitlab_runner_id, r.tags, row_number() OVER (ORDER BY r.gitlab_runner_id) - 1 AS i,
                       (SELECT m.system_id FROM assignments a JOIN machines m ON m.id = a.machine_id
                         WHERE a.runner_id = r.id ORDER BY m.hostname LIMIT 1) AS system_id
                  FROM runners r),
          n AS (SELECT count(*) AS runners FROM runners),
          -- finished jobs were created over the days up to ten minutes ago, active ones within the last hour
          g AS (SELECT g, CASE WHEN g > $1 * 0.98
                               THEN $3::timestamptz - make_interval(secs => 3600 * (1 - (g - $1 * 0.98) / ($1 * 0.02)))
                               ELSE $3::timestamptz - interval '10 minutes'
                                    - make_interval(secs => $2::float8 * 86400 * (1 - g::float8 / ($1 * 0.98)))
                          END AS at,
                       CASE WHEN g > $1 * 0.99 THEN 'pending'
                            WHEN g > $1 * 0.98 THEN 'running'
                            WHEN g % 100 < 8 THEN 'failed'
                            WHEN g % 100 < 11 THEN 'canceled'
                            WHEN g % 100 = 11 THEN 'skipped'
                            ELSE 'success' END AS status
                  FROM generate_series(1, $1::int) AS g)
     INSERT INTO job_snapshots (id, gitlab_instance_id, gitlab_job_id, project_id, project_path, pipeline_id, runner_id,
                                gitlab_runner_id, runner_system_id, name, stage, ref, ref_protected, status, tags,
                                tag_set_key, failure_reason, web_url, queued_at, started_at, finished_at, created_at,
                                updated_at)
     SELECT gen_random_uuid(), (SELECT id FROM gitlab_instances ORDER BY name LIMIT 1), 1000000 + g.g,
            1 + (g.g * 7919) % 500, 'group/project-' || (1 + (g.g * 7919) % 500), 500000 + g.g / 8,
            CASE WHEN g.status NOT IN ('pending', 'skipped') THEN r.id END,
            CASE WHEN g.status NOT IN ('pending', 'skipped') THEN r.gitlab_runner_id END,
            CASE WHEN g.status NOT IN ('pending', 'skipped') THEN r.system_id END,
            'job ' || g.g % 40, 'test', 'main', g.g % 10 = 0, g.status, t.tags,
            array_to_string(ARRAY(SELECT x FROM unnest(t.tags) x ORDER BY x), ','),
            CASE WHEN g.status = 'failed' THEN 'script_failure' END,
            'https://gitlab.bench.invalid/jobs/' || (1000000 + g.g),
            g.at, started.at, finished.at, g.at, coalesce(finished.at, started.at, g.at)
       FROM g
       CROSS JOIN n
       JOIN r ON r.i = (g.g * 31 + g.g / 7) % n.runners
      CROSS JOIN LATERAL (SELECT CASE WHEN g.g % 20 = 0 THEN '{}'::text[] ELSE r.tags END AS tags) t
      CROSS JOIN LATERAL (SELECT CASE WHEN g.status NOT IN ('pending', 'skipped')
                                      THEN g.at + make_interval(secs => 2 + g.g % 90) END AS at) started
      CROSS JOIN LATERAL (SELECT CASE WHEN g.status NOT IN ('pending', 'running', 'skipped')
                                      THEN started.at + make_interval(secs => 60 + g.g % 1800) END AS at) finished
      ORDER BY g.g`,
    [count, days, now],
  );
}

/**
 * One `machine` sample per connected machine and one `tag_set` sample per tag set each minute, oldest first, as
 * the sampler writes them (2,000 machines × 6 h is 720,000 machine rows).
 */
async function seedSamples(pool: pg.Pool, hours: number, now: Date): Promise<void> {
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  await pool.query(
    `INSERT INTO fleet_samples (at, kind, machine_id, tag_set_key, running, "limit", pending, oldest_wait_seconds,
                                wait_p50_seconds, wait_p95_seconds)
     SELECT at, kind::"SampleKind", machine_id, tag_set_key, running, lim, pending, oldest, p50, p95
       FROM generate_series(1, $1::int * 60) AS k
      CROSS JOIN LATERAL (SELECT $2::timestamptz - make_interval(mins => $1::int * 60 - k) AS at) t
      CROSS JOIN LATERAL (
        SELECT 'machine' AS kind, m.id AS machine_id, NULL::text AS tag_set_key,
               (hashtext(m.id::text) + k) % 5 AS running, 8 AS lim, NULL::int AS pending, NULL::int AS oldest,
               NULL::int AS p50, NULL::int AS p95
          FROM machines m WHERE m.connection_state <> 'never_connected'
        UNION ALL
        SELECT 'tag_set', NULL, s.key, 0, NULL, (hashtext(s.key) + k) % 7, (hashtext(s.key) + k) % 600, 20, 300
          FROM (SELECT DISTINCT tag_set_key AS key FROM job_snapshots) s) rows
      ORDER BY at`,
    [hours, minute],
  );
}

/** Audit events oldest first: people (20 of them), the system and agents acting on runners, machines and users. */
async function seedAudit(pool: pg.Pool, count: number, days: number, now: Date): Promise<void> {
  await pool.query(
    `WITH actions AS (SELECT a.action, a.target_type, a.i - 1 AS i
                        FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS a(action, target_type, i)),
          runners AS (SELECT id::text, row_number() OVER (ORDER BY id) - 1 AS i FROM runners),
          machines AS (SELECT id::text, row_number() OVER (ORDER BY id) - 1 AS i FROM machines),
          users AS (SELECT ('01900000-0000-7000-8000-' || lpad(to_hex(u), 12, '0'))::text AS id,
                           'person' || u || '@example.test' AS email, u FROM generate_series(0, 19) AS u),
          n AS (SELECT (SELECT count(*) FROM actions) AS actions, (SELECT count(*) FROM runners) AS runners,
                       (SELECT count(*) FROM machines) AS machines)
     INSERT INTO audit_events (id, at, actor_type, actor_id, actor_label, source_ip, request_id, action, target_type,
                               target_id, before, after)
     SELECT gen_random_uuid(), $3::timestamptz - make_interval(secs => $2::float8 * 86400 * (1 - g::float8 / $1)),
            CASE WHEN a.action = 'gitlab_sync.run' THEN 'system'
                 WHEN a.action = 'runner.token_rotated' THEN 'agent'
                 ELSE 'user' END::"ActorType",
            CASE WHEN a.action IN ('gitlab_sync.run', 'runner.token_rotated') THEN NULL ELSE u.id END,
            CASE WHEN a.action IN ('gitlab_sync.run', 'runner.token_rotated') THEN NULL ELSE u.email END,
            '10.0.' || (g % 250) || '.' || (g % 200), 'req-' || g, a.action, a.target_type,
            CASE a.target_type WHEN 'runner' THEN r.id WHEN 'machine' THEN m.id WHEN 'user' THEN u.id END,
            jsonb_build_object('limit', g % 8), jsonb_build_object('limit', g % 8 + 1)
       FROM generate_series(1, $1::int) AS g
      CROSS JOIN n
       JOIN actions a ON a.i = (g * 5) % n.actions
       JOIN runners r ON r.i = (g * 13) % n.runners
       JOIN machines m ON m.i = (g * 17) % n.machines
       JOIN users u ON u.u = g % 20
      ORDER BY g`,
    [count, days, now, ACTIONS.map((a) => a[0]), ACTIONS.map((a) => a[1])],
  );
}
