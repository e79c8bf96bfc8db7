/**
 * The bulk reads behind `sync`: everything rendering needs for many machines in three flat queries (machines,
 * their assignments, the runners behind them), each runner read once however many machines it runs on, and the
 * fleet budgets touching those machines in one more. A fleet-wide change reads 10,000 machines in tens of
 * milliseconds this way; nested ORM includes spent seconds building the same objects.
 */
import type { Prisma } from '../../db/client.js';
import { splitBudget, type BudgetSplit } from '../limits/budget.js';
import type { AssignmentForModel, MachineForModel, RunnerForModel } from './desired-model.js';

type Tx = Prisma.TransactionClient;

export interface LockedMachine extends MachineForModel {
  /** the machine's latest revision, if any */
  latest: { number: number; sha256: string } | null;
}

/**
 * Locks the machines (in id order, so concurrent rollouts over overlapping machines queue instead of
 * deadlocking) and reads what their config is rendered from, with their latest revision.
 */
export async function lockMachinesForModel(tx: Tx, machineIds: string[]): Promise<LockedMachine[]> {
  // Lock first, read after, in two statements. One `SELECT … FOR UPDATE` that also read the latest revision would,
  // after waiting for another rollout's lock, re-check the machine row but keep the revision it read before the
  // wait, and number its own revision the same: a duplicate key, and a 500 for the second of two concurrent
  // registrations on one machine. Each statement of a read-committed transaction sees what committed before it.
  await tx.$queryRaw`
    SELECT m.id FROM machines m WHERE m.id = ANY(${machineIds}::uuid[]) ORDER BY m.id FOR UPDATE`;
  const machines = await tx.$queryRaw<
    Array<{
      id: string;
      draining_since: Date | null;
      concurrent: number | null;
      check_interval: number | null;
      global_settings: unknown;
      latest_number: number | null;
      latest_sha256: string | null;
    }>
  >`
    SELECT m.id::text, m.draining_since, m.concurrent, m.check_interval, m.global_settings,
           l.number AS latest_number, l.sha256 AS latest_sha256
      FROM machines m
      LEFT JOIN LATERAL (SELECT r.number, r.sha256 FROM config_revisions r
                          WHERE r.machine_id = m.id ORDER BY r.number DESC LIMIT 1) l ON true
     WHERE m.id = ANY(${machineIds}::uuid[])
     ORDER BY m.id`;
  if (machines.length === 0) return [];

  const assignments = await tx.$queryRaw<
    Array<{
      id: string;
      runner_id: string;
      machine_id: string;
      limit_override: number | null;
      request_concurrency_override: number | null;
      effective_limit: number | null;
    }>
  >`
    SELECT id::text, runner_id::text, machine_id::text, limit_override, request_concurrency_override,
           effective_limit
      FROM assignments WHERE machine_id = ANY(${machineIds}::uuid[])`;

  const runnerIds = [...new Set(assignments.map((a) => a.runner_id))];
  const runnerRows = runnerIds.length
    ? await tx.$queryRaw<
        Array<{
          id: string;
          gitlab_runner_id: number;
          description: string;
          executor: string;
          executor_settings: unknown;
          url: string;
          has_token: boolean;
          limit_mode: 'per_machine' | 'fleet_budget' | null;
          limit_value: number | null;
          request_concurrency: number | null;
          obtained_at: Date | null;
          expires_at: Date | null;
        }>
      >`
        SELECT r.id::text, r.gitlab_runner_id, r.description, r.executor, r.executor_settings, g.url,
               t.runner_id IS NOT NULL AS has_token, t.limit_mode::text AS limit_mode, t.limit_value,
               t.request_concurrency, t.obtained_at, t.expires_at
          FROM runners r
          JOIN gitlab_instances g ON g.id = r.gitlab_instance_id
          LEFT JOIN runner_tokens t ON t.runner_id = r.id
         WHERE r.id = ANY(${runnerIds}::uuid[])`
    : [];
  const runners = new Map<string, RunnerForModel>(
    runnerRows.map((r) => [
      r.id,
      {
        gitlabRunnerId: r.gitlab_runner_id,
        description: r.description,
        executor: r.executor,
        executorSettings: r.executor_settings,
        gitlabInstance: { url: r.url },
        token: r.has_token
          ? {
              limitMode: r.limit_mode!,
              limitValue: r.limit_value!,
              requestConcurrency: r.request_concurrency,
              obtainedAt: r.obtained_at!,
              expiresAt: r.expires_at,
            }
          : null,
      },
    ]),
  );

  const byMachine = new Map<string, AssignmentForModel[]>();
  for (const a of assignments) {
    const runner = runners.get(a.runner_id);
    if (!runner) continue;
    const list = byMachine.get(a.machine_id) ?? [];
    list.push({
      id: a.id,
      runnerId: a.runner_id,
      machineId: a.machine_id,
      limitOverride: a.limit_override,
      requestConcurrencyOverride: a.request_concurrency_override,
      effectiveLimit: a.effective_limit,
      runner,
    });
    byMachine.set(a.machine_id, list);
  }

  return machines.map((m) => ({
    id: m.id,
    drainingSince: m.draining_since,
    concurrent: m.concurrent,
    checkInterval: m.check_interval,
    globalSettings: m.global_settings,
    assignments: byMachine.get(m.id) ?? [],
    latest: m.latest_number === null ? null : { number: m.latest_number, sha256: m.latest_sha256 ?? '' },
  }));
}

/** Shares of every fleet-budget token assigned to these machines, over all of the token's machines. */
export async function budgetsFor(tx: Tx, machineIds: string[]): Promise<Map<string, BudgetSplit>> {
  const rows = await tx.$queryRaw<
    Array<{
      runner_id: string;
      limit_value: number;
      machine_id: string;
      healthy: boolean;
      cpu_count: number | null;
    }>
  >`
    SELECT t.runner_id::text, t.limit_value, a.machine_id::text,
           (m.connection_state = 'online' AND m.draining_since IS NULL) AS healthy, m.cpu_count
      FROM runner_tokens t
      JOIN assignments a ON a.runner_id = t.runner_id
      JOIN machines m ON m.id = a.machine_id
     WHERE t.limit_mode = 'fleet_budget'
       AND t.runner_id IN (SELECT runner_id FROM assignments WHERE machine_id = ANY(${machineIds}::uuid[]))`;
  const tokens = new Map<string, { total: number; machines: Parameters<typeof splitBudget>[1] }>();
  for (const r of rows) {
    const t = tokens.get(r.runner_id) ?? { total: r.limit_value, machines: [] };
    t.machines.push({ id: r.machine_id, capacity: r.cpu_count ?? 1, healthy: r.healthy });
    tokens.set(r.runner_id, t);
  }
  return new Map([...tokens].map(([runnerId, t]) => [runnerId, splitBudget(t.total, t.machines)]));
}
