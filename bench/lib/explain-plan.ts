/**
 * EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of one recorded statement, and what a reader needs from the plan: the
 * node chain at the top, the indexes used, sequential scans and sorts with their row counts, estimates that are
 * off by ten times or more, the execution time and the rows returned.
 */
import type pg from 'pg';
import type { RecordedStatement } from './explain-capture.js';

/** The fields of a JSON plan node this summary reads. */
export interface PlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Join Type'?: string;
  Strategy?: string;
  'Sort Method'?: string;
  'Sort Methods Used'?: string[];
  'Plan Rows': number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface PlanSummary {
  /** the top nodes down the main branch, e.g. `Limit › Index Scan Backward on runners (runners_pkey)` */
  top: string;
  indexes: string[];
  /** `table: rows read` of each sequential scan (rows returned and filtered out, times loops) */
  seqScans: string[];
  /** `rows (method)` of each sort */
  sorts: string[];
  /** nodes whose estimate and actual rows differ ten times or more, on at least 1,000 rows (not below a Limit) */
  misestimates: string[];
  executionMs: number;
  planningMs: number;
  rows: number;
  sharedHit: number;
  sharedRead: number;
}

/** Visits every node; `early` is true below a Limit, where a node stops before it returns all it was planned for. */
function walk(node: PlanNode, visit: (n: PlanNode, early: boolean) => void, early = false): void {
  visit(node, early);
  for (const child of node.Plans ?? []) walk(child, visit, early || node['Node Type'] === 'Limit');
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

function describe(n: PlanNode): string {
  let text = n['Node Type'];
  if (n['Node Type'] === 'Aggregate' && n.Strategy) text = `${n.Strategy} Aggregate`;
  if (n['Join Type'] && n['Join Type'] !== 'Inner') text += ` ${n['Join Type']}`;
  if (n['Scan Direction'] === 'Backward') text += ' Backward';
  if (n['Relation Name']) text += ` on ${n['Relation Name']}`;
  if (n['Index Name']) text += ` (${n['Index Name']})`;
  return text;
}

/** Node types that only pass their child's rows on: the chain shown goes through them to the first real work. */
const PASS_THROUGH = new Set([
  'Limit',
  'Result',
  'Subquery Scan',
  'Aggregate',
  'WindowAgg',
  'Unique',
  'Gather',
  'Gather Merge',
  'Materialize',
  'Sort',
  'Incremental Sort',
]);

export function summarizePlan(explained: {
  Plan: PlanNode;
  'Execution Time': number;
  'Planning Time': number;
}): PlanSummary {
  const root = explained.Plan;
  const chain: string[] = [];
  let node: PlanNode | undefined = root;
  while (node && chain.length < 4) {
    chain.push(describe(node));
    if (!PASS_THROUGH.has(node['Node Type'])) break;
    node = node.Plans?.find(
      (p) => p['Parent Relationship'] !== 'InitPlan' && p['Parent Relationship'] !== 'SubPlan',
    );
  }
  const indexes = new Set<string>();
  const seqScans: string[] = [];
  const sorts: string[] = [];
  const misestimates: string[] = [];
  walk(root, (n, early) => {
    const loops = n['Actual Loops'] ?? 1;
    const actual = n['Actual Rows'] ?? 0;
    if (n['Index Name']) indexes.add(n['Index Name']);
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name']) {
      const read = (actual + (n['Rows Removed by Filter'] ?? 0)) * loops;
      seqScans.push(
        `${n['Relation Name']}: ${count(read)} rows${loops > 1 ? ` over ${count(loops)} loops` : ''}`,
      );
    }
    if (n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort')
      sorts.push(
        `${n['Node Type']} of ${count(actual * loops)} rows (${n['Sort Method'] ?? n['Sort Methods Used']?.join(', ') ?? '?'})`,
      );
    const est = n['Plan Rows'];
    // Bitmap index nodes report no rows, and nodes below a Limit stop early: neither is a wrong estimate.
    if (
      loops > 0 &&
      !early &&
      !n['Node Type'].startsWith('Bitmap') &&
      Math.max(est, actual) >= 1000 &&
      Math.max(est, actual) / Math.max(1, Math.min(est, actual)) >= 10
    )
      misestimates.push(`${describe(n)}: estimated ${count(est)}, actual ${count(actual)}`);
  });
  return {
    top: chain.join(' › '),
    indexes: [...indexes],
    seqScans,
    sorts,
    misestimates,
    executionMs: explained['Execution Time'],
    planningMs: explained['Planning Time'],
    rows: root['Actual Rows'] ?? 0,
    sharedHit: root['Shared Hit Blocks'] ?? 0,
    sharedRead: root['Shared Read Blocks'] ?? 0,
  };
}

/**
 * Runs the statement under EXPLAIN ANALYZE `runs` times (the first warms the cache) and returns the summary of the
 * run with the median execution time.
 */
export async function explainAnalyze(
  client: pg.ClientBase,
  statement: RecordedStatement,
  runs = 3,
): Promise<PlanSummary> {
  const summaries: PlanSummary[] = [];
  for (let i = 0; i < runs; i++) {
    const { rows } = await client.query<{ 'QUERY PLAN': [Parameters<typeof summarizePlan>[0]] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`,
      statement.values,
    );
    summaries.push(summarizePlan(rows[0]!['QUERY PLAN'][0]));
  }
  summaries.sort((a, b) => a.executionMs - b.executionMs);
  return summaries[Math.floor(summaries.length / 2)]!;
}

/**
 * The same, inside a transaction that drops `indexes` first and rolls back after: the plan the statement had
 * without them, on the same data. Nothing is changed for good (DDL is transactional in Postgres).
 */
export async function explainWithout(
  client: pg.ClientBase,
  statement: RecordedStatement,
  indexes: string[],
  runs = 3,
): Promise<PlanSummary> {
  await client.query('BEGIN');
  try {
    for (const name of indexes) await client.query(`DROP INDEX "${name}"`);
    return await explainAnalyze(client, statement, runs);
  } finally {
    await client.query('ROLLBACK');
  }
}
