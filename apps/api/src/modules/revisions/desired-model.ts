/**
 * The desired config.toml of one machine, as Paddock stores it in a revision: its global settings and the
 * runners assigned to it, with tokens referenced by runner id, never included. The renderer fills the tokens in
 * at send time, so a revision row holds no secret and a rollback always uses the runner's current token.
 */
import type { BudgetSplit } from '../limits/budget.js';

export interface DesiredRunner {
  /** Paddock's runner id; also how the renderer finds the token */
  runnerId: string;
  name: string;
  url: string;
  gitlabRunnerId: number;
  tokenObtainedAt: string;
  /** null: the token does not expire */
  tokenExpiresAt: string | null;
  executor: string;
  /** null: no limit key (unlimited) */
  limit: number | null;
  requestConcurrency: number | null;
  executorSettings: Record<string, unknown>;
}

export interface DesiredModel {
  version: 1;
  global: {
    concurrent: number;
    checkInterval: number | null;
    /** where gitlab-runner serves its metrics for the agent to scrape */
    listenAddress: string;
    settings: Record<string, unknown>;
  };
  draining: boolean;
  runners: DesiredRunner[];
}

/** gitlab-runner's metrics, on loopback only: the agent beside it scrapes them. */
export const DEFAULT_LISTEN_ADDRESS = '127.0.0.1:9252';

/** What rendering needs of a runner assigned to a machine (read in bulk by `loadMachinesForModel`). */
export interface RunnerForModel {
  gitlabRunnerId: number;
  description: string;
  executor: string;
  executorSettings: unknown;
  gitlabInstance: { url: string };
  token: {
    limitMode: 'per_machine' | 'fleet_budget';
    limitValue: number;
    requestConcurrency: number | null;
    obtainedAt: Date;
    expiresAt: Date | null;
  } | null;
}

export interface AssignmentForModel {
  id: string;
  runnerId: string;
  machineId: string;
  limitOverride: number | null;
  requestConcurrencyOverride: number | null;
  effectiveLimit: number | null;
  runner: RunnerForModel;
}

export interface MachineForModel {
  id: string;
  drainingSince: Date | null;
  concurrent: number | null;
  checkInterval: number | null;
  globalSettings: unknown;
  assignments: AssignmentForModel[];
}

/**
 * The `limit` each assignment renders with: per-machine mode uses the override or the token's value; fleet
 * budgets use the machine's share. 0 in per-machine mode means unlimited (no key); a budget share of 0 means the
 * runner is left out of this machine entirely (undefined here).
 */
export function effectiveLimit(
  assignment: AssignmentForModel,
  budgetShare: (runnerId: string, machineId: string) => number | undefined,
): number | null | undefined {
  const token = assignment.runner.token;
  if (!token) return undefined;
  if (token.limitMode === 'fleet_budget') {
    const share = budgetShare(assignment.runnerId, assignment.machineId);
    return share && share > 0 ? share : undefined;
  }
  const value = assignment.limitOverride ?? token.limitValue;
  return value > 0 ? value : null;
}

export function buildDesiredModel(machine: MachineForModel, budgets: Map<string, BudgetSplit>): DesiredModel {
  const share = (runnerId: string, machineId: string) => budgets.get(runnerId)?.shares.get(machineId);
  const runners: DesiredRunner[] = [];
  if (!machine.drainingSince) {
    const sorted = [...machine.assignments].sort(
      (a, b) => a.runner.gitlabRunnerId - b.runner.gitlabRunnerId || (a.runnerId < b.runnerId ? -1 : 1),
    );
    for (const a of sorted) {
      const limit = effectiveLimit(a, share);
      const token = a.runner.token;
      if (limit === undefined || !token) continue;
      runners.push({
        runnerId: a.runnerId,
        name: a.runner.description || `runner-${a.runner.gitlabRunnerId}`,
        url: a.runner.gitlabInstance.url,
        gitlabRunnerId: a.runner.gitlabRunnerId,
        tokenObtainedAt: token.obtainedAt.toISOString(),
        tokenExpiresAt: token.expiresAt?.toISOString() ?? null,
        executor: a.runner.executor,
        limit,
        requestConcurrency: a.requestConcurrencyOverride ?? token.requestConcurrency,
        executorSettings: (a.runner.executorSettings ?? {}) as Record<string, unknown>,
      });
    }
  }
  // Without an explicit value, enough worker slots for every runner's limit (gitlab-runner's default of 1 would
  // starve all but one runner); unlimited runners count as one slot each.
  const defaultConcurrent = Math.max(
    1,
    runners.reduce((sum, r) => sum + (r.limit ?? 1), 0),
  );
  return {
    version: 1,
    global: {
      concurrent: machine.concurrent ?? defaultConcurrent,
      checkInterval: machine.checkInterval,
      listenAddress: DEFAULT_LISTEN_ADDRESS,
      settings: (machine.globalSettings ?? {}) as Record<string, unknown>,
    },
    draining: machine.drainingSince !== null,
    runners,
  };
}
