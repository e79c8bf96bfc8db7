import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitBudget, type BudgetMachine } from './budget.js';

const m = (id: string, capacity: number, healthy = true): BudgetMachine => ({ id, capacity, healthy });

describe('fleet budget split', () => {
  it('shares in proportion to capacity and adds up to the budget', () => {
    const { shares, shortfall } = splitBudget(12, [m('a', 2), m('b', 4), m('c', 6)]);
    expect(Object.fromEntries(shares)).toEqual({ a: 2, b: 4, c: 6 });
    expect(shortfall).toBeNull();
  });

  it('gives nothing to unhealthy machines and re-splits when one returns', () => {
    const down = splitBudget(10, [m('a', 4), m('b', 4, false), m('c', 4)]);
    expect(Object.fromEntries(down.shares)).toEqual({ a: 5, b: 0, c: 5 });
    const back = splitBudget(10, [m('a', 4), m('b', 4), m('c', 4)]);
    expect([...back.shares.values()].reduce((s, v) => s + v, 0)).toBe(10);
    expect(back.shares.get('b')).toBeGreaterThan(0);
  });

  it('says so when the budget is smaller than the number of healthy machines', () => {
    const { shares, shortfall } = splitBudget(2, [m('a', 1), m('b', 8), m('c', 4)]);
    expect(Object.fromEntries(shares)).toEqual({ a: 0, b: 1, c: 1 });
    expect(shortfall).toEqual({ healthy: 3, budget: 2 });
  });

  it('is deterministic whatever the input order', () => {
    const machines = [m('x', 3), m('y', 3), m('z', 3)];
    const a = splitBudget(7, machines);
    const b = splitBudget(7, [...machines].reverse());
    expect(Object.fromEntries(a.shares)).toEqual(Object.fromEntries(b.shares));
  });

  it('rejects budgets that are not whole numbers of jobs', () => {
    expect(() => splitBudget(-1, [])).toThrow(RangeError);
    expect(() => splitBudget(1.5, [])).toThrow(RangeError);
  });

  it('never exceeds the budget, never starves a healthy machine the budget can cover', () => {
    const machines = fc.uniqueArray(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 6 }),
        capacity: fc.integer({ min: 0, max: 64 }),
        healthy: fc.boolean(),
      }),
      { selector: (x) => x.id, maxLength: 30 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), machines, (budget, list) => {
        const { shares, shortfall } = splitBudget(budget, list);
        const healthy = list.filter((x) => x.healthy);
        const sum = [...shares.values()].reduce((s, v) => s + v, 0);
        if (healthy.length === 0) expect(sum).toBe(0);
        expect(sum).toBeLessThanOrEqual(budget);
        for (const x of list) if (!x.healthy) expect(shares.get(x.id)).toBe(0);
        if (budget >= healthy.length) {
          for (const x of healthy) expect(shares.get(x.id)).toBeGreaterThanOrEqual(1);
          expect(shortfall).toBeNull();
          if (healthy.length > 0) expect(sum).toBe(budget);
        } else {
          expect(shortfall).toEqual({ healthy: healthy.length, budget });
          expect(sum).toBe(budget);
        }
      }),
      { numRuns: 500 },
    );
  });
});
