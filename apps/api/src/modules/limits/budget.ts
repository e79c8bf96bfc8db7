/**
 * Splitting a runner token's fleet budget across its machines.
 *
 * A budget of N jobs is shared by the token's healthy machines (online, not draining) in proportion to each one's
 * capacity, by the largest-remainder method, so the shares are whole numbers that add up to exactly N (never
 * more). Every healthy machine gets at least 1 while the budget allows; when the budget is smaller than the number
 * of healthy machines, the largest machines get 1 each and the rest get 0, which the renderer expresses by leaving
 * that runner out of the machine's config.toml (gitlab-runner reads `limit = 0` as unlimited). Unhealthy machines
 * get 0 and lose nothing when they return: the split is recomputed.
 */

export interface BudgetMachine {
  id: string;
  /** relative capacity, e.g. CPU count; values below 1 count as 1 */
  capacity: number;
  healthy: boolean;
}

export interface BudgetSplit {
  shares: Map<string, number>;
  /** set when some healthy machines get nothing because the budget is smaller than their number */
  shortfall: { healthy: number; budget: number } | null;
}

export function splitBudget(budget: number, machines: BudgetMachine[]): BudgetSplit {
  if (!Number.isInteger(budget) || budget < 0)
    throw new RangeError('a budget is a whole number of jobs, 0 or more');
  const shares = new Map(machines.map((m) => [m.id, 0]));
  // Stable order (by id) so the same inputs always give the same split, whatever order they came in.
  const healthy = machines.filter((m) => m.healthy).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (healthy.length === 0 || budget === 0) {
    return { shares, shortfall: healthy.length > 0 ? { healthy: healthy.length, budget } : null };
  }
  const weight = (m: BudgetMachine) => Math.max(1, Number.isFinite(m.capacity) ? m.capacity : 1);

  if (budget < healthy.length) {
    const biggest = [...healthy].sort((a, b) => weight(b) - weight(a)).slice(0, budget);
    for (const m of biggest) shares.set(m.id, 1);
    return { shares, shortfall: { healthy: healthy.length, budget } };
  }

  // One job each first, then the rest in proportion to capacity.
  const rest = budget - healthy.length;
  const total = healthy.reduce((s, m) => s + weight(m), 0);
  const exact = healthy.map((m) => ({ m, quota: (rest * weight(m)) / total }));
  let given = 0;
  for (const { m, quota } of exact) {
    const whole = Math.floor(quota);
    shares.set(m.id, 1 + whole);
    given += whole;
  }
  const byRemainder = [...exact].sort(
    (a, b) => b.quota - Math.floor(b.quota) - (a.quota - Math.floor(a.quota)) || weight(b.m) - weight(a.m),
  );
  for (let i = 0; i < rest - given; i++) {
    const { m } = byRemainder[i % byRemainder.length]!;
    shares.set(m.id, shares.get(m.id)! + 1);
  }
  return { shares, shortfall: null };
}
