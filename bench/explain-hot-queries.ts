/**
 * The hot read queries under EXPLAIN ANALYZE on a seeded 10,000-runner database: which plan each one gets, through
 * which indexes, how long it runs, and what it would do without the indexes added for it.
 *
 *   npx pnpm --filter @paddock/bench explain-hot-queries
 *     [--runners 10000] [--machines 2000] [--jobs 100000] [--sample-hours 6] [--audit 50000] [--runs 3]
 *     [--keep] [--reuse DBNAME] [--no-write]      (PADDOCK_BENCH_DATABASE_URL for another Postgres server)
 *
 * **Setup.** A fresh database `paddock_explain_<timestamp>` on the local Postgres, migrated with the real
 * migrations, seeded by `seedFleet` (lib/seed.ts) and `seedHotData` (lib/explain-seed.ts), then ANALYZEd.
 * `--keep` leaves it behind and prints its name; `--reuse DBNAME` skips seeding and uses such a database again
 * (migrations still pending on it are applied first, then it is ANALYZEd).
 *
 * **The statements are the code's own.** The app is built with `buildApp` over a database whose pg pool records
 * every statement (lib/explain-capture.ts), and each hot read (lib/explain-queries.ts) is a request to the real
 * route through `app.inject` or a call of the gateway's or sampler's function. What it sent, minus the
 * authentication lookups, is run under `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` with the same bound values,
 * `--runs` times (median shown), on a connection of its own without JIT (as the app's pool).
 *
 * **Before and after in one run.** For every statement the same EXPLAIN also runs inside a transaction that first
 * drops the indexes of the `*_hot_query_indexes` migration and then rolls back: the plan it had without them, on
 * the same data.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp } from '../apps/api/src/app.js';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from '../apps/api/src/db/migrations.js';
import { createDatabase } from '../apps/api/src/db/client.js';
import { parseEnv } from '../apps/api/src/env.js';
import { createSecretBox } from '../apps/api/src/lib/secrets.js';
import { createBenchAdmin } from './lib/auth.js';
import { createBenchDatabase } from './lib/bench-db.js';
import { commitOfCheckout } from './lib/config-push-fleet.js';
import { recordingDatabase, type RecordedStatement } from './lib/explain-capture.js';
import { explainAnalyze, explainWithout, type PlanSummary } from './lib/explain-plan.js';
import { HOT_READS, type HotReadIds } from './lib/explain-queries.js';
import { HOT_DATA_SIZE, seedHotData } from './lib/explain-seed.js';
import { seedFleet } from './lib/seed.js';
import { machineDescription, writeSection } from './lib/stats.js';

function parseArgs(argv: string[]) {
  const opts = {
    runners: 10_000,
    machines: 2_000,
    ...HOT_DATA_SIZE,
    runs: 3,
    keep: false,
    reuse: null as string | null,
    write: true,
  };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const number = () => {
      const v = Number(args[++i]?.replace(/_/g, ''));
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--runners') opts.runners = number();
    else if (a === '--machines') opts.machines = number();
    else if (a === '--jobs') opts.jobs = number();
    else if (a === '--sample-hours') opts.sampleHours = number();
    else if (a === '--audit') opts.auditEvents = number();
    else if (a === '--runs') opts.runs = number();
    else if (a === '--keep') opts.keep = true;
    else if (a === '--reuse') {
      const name = args[++i];
      if (!name || !/^\w+$/.test(name)) throw new Error('--reuse needs a database name');
      opts.reuse = name;
    } else if (a === '--no-write') opts.write = false;
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

const adminUrl = process.env.PADDOCK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AUTH_TABLES = /\bFROM\s+"?(?:public"?\."?)?(api_tokens|users|sessions|display_tokens)\b/i;
const HOT_INDEX_MIGRATION = /_hot_query_indexes$/;

/** The indexes the hot-query migration creates (none before it exists). */
function hotQueryIndexes(): { migration: string | null; indexes: string[] } {
  const dir = readdirSync(DEFAULT_MIGRATIONS_DIR)
    .filter((d) => HOT_INDEX_MIGRATION.test(d))
    .sort()
    .at(-1);
  if (!dir) return { migration: null, indexes: [] };
  const sql = readFileSync(path.join(DEFAULT_MIGRATIONS_DIR, dir, 'migration.sql'), 'utf8');
  return {
    migration: dir,
    indexes: [...sql.matchAll(/CREATE (?:UNIQUE )?INDEX "(\w+)"/g)].map((m) => m[1]!),
  };
}

/** SELECT and WITH statements of the read itself: not the token lookup, transaction control or writes. */
function isRead(s: RecordedStatement): boolean {
  const t = s.text.trimStart();
  return /^(SELECT|WITH)\b/i.test(t) && !AUTH_TABLES.test(t) && !/^SELECT 1\b/i.test(t);
}

/** The statement with its select list elided and `"public".` and quotes dropped, cut at 170 characters. */
function excerpt(text: string): string {
  const flat = text
    .replace(/--[^\n]*/g, '')
    .replace(/"public"\./g, '')
    .replace(/"(\w+)"/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  const select = /^(WITH .*?\)\s*)?SELECT (DISTINCT )?/i.exec(flat);
  let out = flat;
  if (select && !select[1]) {
    // the FROM at parenthesis depth 0 ends the select list; a short one (`max(at) AS at`) says what the read is
    let depth = 0;
    for (let i = select[0].length; i < flat.length; i++) {
      const c = flat[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (depth === 0 && flat.startsWith(' FROM ', i)) {
        if (i - select[0].length > 40) out = `${select[0]}… ${flat.slice(i + 1)}`;
        break;
      }
    }
  }
  return out.length > 170 ? `${out.slice(0, 169)}…` : out;
}

/** Timestamps cut to the minute: the same read a few seconds later is the same statement. */
const statementKey = (s: RecordedStatement) =>
  `${s.text}\n${JSON.stringify(s.values, (_k, v: unknown) =>
    typeof v === 'string' && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d/.test(v) ? v.slice(0, 16) : v,
  )}`;

interface Row {
  read: string;
  source: string;
  sql: string;
  after: PlanSummary;
  before: PlanSummary | null;
}

async function seed(url: string, opts: ReturnType<typeof parseArgs>): Promise<void> {
  const db = createDatabase({ connectionString: url, maxConnections: 4 });
  try {
    const t0 = performance.now();
    await seedFleet(db, createSecretBox(randomBytes(32)), { runners: opts.runners, machines: opts.machines });
    await seedHotData(db.pool, opts);
    console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await db.close();
  }
}

async function tableSizes(client: pg.Client): Promise<Record<string, number>> {
  const { rows } = await client.query<{ t: string; n: string }>(
    `SELECT t, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', t), false, true, '')))[1]::text AS n
       FROM unnest(ARRAY['runners', 'machines', 'assignments', 'job_snapshots', 'fleet_samples', 'config_revisions',
                         'rollouts', 'audit_events']) AS t`,
  );
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

async function pickIds(client: pg.Client): Promise<HotReadIds> {
  const one = async (sql: string) => (await client.query<{ id: string }>(sql)).rows[0]!.id;
  return {
    machineId: await one(
      `SELECT id::text FROM machines ORDER BY hostname OFFSET (SELECT count(*) / 2 FROM machines) LIMIT 1`,
    ),
    runnerId: await one(
      `SELECT id::text FROM runners ORDER BY id OFFSET (SELECT count(*) / 2 FROM runners) LIMIT 1`,
    ),
    fleetRolloutId: await one(
      `SELECT rollout_id::text AS id FROM config_revisions GROUP BY rollout_id ORDER BY count(*) DESC LIMIT 1`,
    ),
    smallRolloutId: await one(
      `SELECT rollout_id::text AS id FROM config_revisions GROUP BY rollout_id ORDER BY count(*), rollout_id LIMIT 1`,
    ),
    machineSlice: (
      await client.query<{ id: string }>(`SELECT id::text FROM machines ORDER BY id LIMIT 1000`)
    ).rows.map((r) => r.id),
  };
}

/** A statement short enough for a list item. */
const brief = (sql: string) => (sql.length > 90 ? `${sql.slice(0, 89)}…` : sql);
const fmtMs = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
const n = (v: number) => v.toLocaleString('en-US');
const cell = (s: string) => s.replace(/\|/g, '\\|');

function planCell(p: PlanSummary): string {
  const parts = [`\`${cell(p.top)}\``];
  if (p.seqScans.length) parts.push(`seq scan ${p.seqScans.map(cell).join('; ')}`);
  if (p.sorts.length) parts.push(p.sorts.join('; '));
  return parts.join('<br>');
}

function beforeCell(r: Row, hotIndexes: string[]): string {
  if (!r.before) return '—';
  const used = r.after.indexes.filter((i) => hotIndexes.includes(i));
  if (used.length === 0) return 'same plan';
  return `${fmtMs(r.before.executionMs)}: ${planCell(r.before)}`;
}

/** Tables whose whole-table reads matter at this size. */
const BIG_TABLES = ['runners', 'job_snapshots', 'fleet_samples', 'config_revisions', 'audit_events'];
const readsOf = (seqScan: string) => Number(/: ([\d,]+) rows/.exec(seqScan)?.[1]?.replace(/,/g, '') ?? 0);

function report(
  opts: ReturnType<typeof parseArgs>,
  sizes: Record<string, number>,
  rows: Row[],
  hot: ReturnType<typeof hotQueryIndexes>,
  command: string,
): string {
  const size = (t: string) => n(sizes[t] ?? 0);
  const reused = opts.reuse ? ' (a database reused with `--reuse`: the sizes are its table counts)' : '';
  const gains = hot.indexes.map((index) => {
    const using = rows.filter((r) => r.after.indexes.includes(index));
    const list = using.map(
      (r) =>
        `${r.read} (\`${brief(r.sql)}\`): ${r.before ? `${fmtMs(r.before.executionMs)} → ` : ''}${fmtMs(r.after.executionMs)}`,
    );
    return `- \`${index}\`: ${list.length ? list.join('; ') : 'used by none of these reads'}`;
  });
  const wholeTable = rows.flatMap((r) =>
    r.after.seqScans
      .filter((s) => BIG_TABLES.includes(s.split(':')[0]!) && readsOf(s) >= 10_000)
      .map((s) => `- ${r.read} (\`${brief(r.sql)}\`, ${fmtMs(r.after.executionMs)}): seq scan ${s}`),
  );
  const misestimates = rows.flatMap((r) =>
    r.after.misestimates.map((m) => `- ${r.read} (\`${brief(r.sql)}\`): ${m}`),
  );
  let previous = '';
  const table = rows.map((r) => {
    const read = r.read === previous ? '' : `${cell(r.read)}<br>*${cell(r.source)}*`;
    previous = r.read;
    return `| ${read} | \`${cell(r.sql)}\` | ${planCell(r.after)} | ${r.after.indexes.map((i) => `\`${i}\``).join(', ') || '—'} | ${n(r.after.rows)} | ${fmtMs(r.after.executionMs)} | ${beforeCell(r, hot.indexes)} |`;
  });
  return `## Hot read queries under EXPLAIN ANALYZE: ${size('runners')} runners, ${size('machines')} machines

Command: \`${command}\` · ${new Date().toISOString()} · commit ${commitOfCheckout()} · ${machineDescription()}

Data${reused}: ${size('runners')} runners (two of ten tags each), ${size('machines')} machines (10 % offline), ${size('assignments')}
assignments, ${size('job_snapshots')} job snapshots over ${opts.jobDays} days (1 % pending and 1 % running, all from the last hour),
${size('fleet_samples')} fleet samples (each connected machine and each tag set every minute for ${opts.sampleHours} h: the two days the sampler
keeps would be 5.8 M rows for 2,000 machines, so the \`range=day\` reads see ${opts.sampleHours} h of samples), ${size('config_revisions')} config
revisions in ${size('rollouts')} rollouts (the newest gave every machine a revision), ${size('audit_events')} audit events over ${opts.auditDays} days
(bench/lib/explain-seed.ts); VACUUM ANALYZE after seeding.

Each statement is the one the code sent, recorded at the app's pg pool while it served the request or ran the
function (bench/lib/explain-capture.ts, bench/lib/explain-queries.ts); statements the same as an earlier row's are
not repeated. Each ran ${opts.runs} times under \`EXPLAIN (ANALYZE, BUFFERS)\` with its bound values and JIT off, as in the
app; the median run is shown, select lists elided (…). **Without**: the same statement in a transaction that drops
${hot.migration ? `the indexes of \`${hot.migration}\`` : 'the hot-query indexes (no such migration yet)'} and rolls back, where the plan uses one of them.

Indexes of ${hot.migration ? `\`${hot.migration}\`` : 'the hot-query migration'}, and the reads whose plans use them (without → with):
${gains.length ? gains.join('\n') : '- none'}

| read | statement | plan | indexes | rows | time | without |
| --- | --- | --- | --- | ---: | ---: | --- |
${table.join('\n')}

Sequential scans of 10,000 rows or more left in these plans:
${wholeTable.length ? wholeTable.join('\n') : '- none'}

Estimates off by ten times or more (on at least 1,000 rows):
${misestimates.length ? misestimates.join('\n') : '- none'}`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let url: string;
  let drop: (() => Promise<void>) | null = null;
  if (opts.reuse) {
    const u = new URL(adminUrl);
    u.pathname = `/${opts.reuse}`;
    url = u.toString();
    const applied = await applyMigrations({ connectionString: url });
    if (applied.length) console.log(`applied ${applied.join(', ')}`);
  } else {
    console.log('migrating and seeding...');
    const bench = await createBenchDatabase('paddock_explain');
    url = bench.url;
    drop = bench.drop;
    try {
      await seed(url, opts);
    } catch (error) {
      await drop();
      throw error;
    }
  }
  const client = new pg.Client({ connectionString: url, options: '-c jit=off' });
  await client.connect();
  const db = recordingDatabase(url, 4);
  const secrets = createSecretBox(randomBytes(32));
  const env = parseEnv({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    PADDOCK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'paddock-explain-')),
    PADDOCK_WEB_DIR: path.join(os.tmpdir(), 'paddock-bench-no-web'),
    // No background work: only the reads under test reach the database.
    PADDOCK_GITLAB_SYNC_INTERVAL_MS: '0',
    PADDOCK_FLEET_SAMPLE_INTERVAL_MS: '0',
    PADDOCK_RETENTION_INTERVAL_MS: '0',
  });
  const app = await buildApp({ env, db, secrets, logger: false });
  try {
    await client.query('ANALYZE');
    const sizes = await tableSizes(client);
    const ids = await pickIds(client);
    const authorization = await createBenchAdmin(db.prisma, `explain-${Date.now()}@example.test`);
    await app.ready();
    const hot = hotQueryIndexes();
    const present = (
      await client.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname = ANY($1)`,
        [hot.indexes],
      )
    ).rows.map((r) => r.indexname);

    const rows: Row[] = [];
    const seen = new Set<string>();
    for (const read of HOT_READS) {
      const statements: RecordedStatement[] = [];
      await read.run({
        app,
        db,
        secrets,
        authorization,
        ids,
        async measure(fn) {
          db.recorder.take();
          await fn();
          statements.push(...db.recorder.take().filter(isRead));
        },
      });
      for (const s of statements) {
        const key = statementKey(s);
        if (seen.has(key)) continue;
        seen.add(key);
        const after = await explainAnalyze(client, s, opts.runs);
        const before = present.length ? await explainWithout(client, s, present, opts.runs) : null;
        const row: Row = {
          read: read.label,
          source: read.source,
          sql: excerpt(s.text),
          after,
          before,
        };
        rows.push(row);
        console.log(
          `${read.label}\n  ${row.sql}\n  ${after.top} | ${after.indexes.join(', ') || 'no index'} | ${n(after.rows)} rows | ${fmtMs(after.executionMs)}` +
            (after.seqScans.length ? ` | seq: ${after.seqScans.join('; ')}` : '') +
            (before && before.indexes.join() !== after.indexes.join()
              ? `\n  without new indexes: ${before.top} | ${fmtMs(before.executionMs)}`
              : ''),
        );
      }
    }

    const args = process.argv.slice(2).filter((a) => a !== '--');
    const command = `npx pnpm --filter @paddock/bench explain-hot-queries${args.length ? ` -- ${args.join(' ')}` : ''}`;
    if (opts.write) {
      writeSection('explain-hot-queries', report(opts, sizes, rows, hot, command));
      console.log('written to bench/RESULTS.md');
    } else {
      console.log('RESULTS.md left as it was (--no-write)');
    }
  } finally {
    await app.close();
    await db.close();
    await client.end();
    if (drop && !opts.keep) await drop();
    else console.log(`database kept: ${new URL(url).pathname.slice(1)} (reuse with --reuse)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
