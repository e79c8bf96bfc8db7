import { describe, expect, it } from 'vitest';
import type { MachineRunnerLimit } from '@paddock/contracts';
import type { LimitValues } from '../runners/components/token-limit-editor';
import { prefillSuggestion } from './pressure-prefill';

const entry = (over: Partial<MachineRunnerLimit>): MachineRunnerLimit => ({
  runnerId: '0190f1a2-0000-7000-8000-0000000000aa',
  description: 'docker',
  limitMode: 'per_machine',
  limitValue: 8,
  limitOverride: null,
  effectiveLimit: 8,
  running: 6,
  waiting: 0,
  suggestedLimit: 5,
  ...over,
});
const saved: LimitValues = {
  mode: 'per_machine',
  limit: '8',
  unlimited: false,
  requestConcurrency: '',
  overrides: { m1: '', m2: '3' },
};

describe('prefillSuggestion', () => {
  it('proposes an override for this machine only, in per-machine mode', () => {
    expect(prefillSuggestion(entry({}), 'm1')?.(saved)).toEqual({
      ...saved,
      overrides: { m1: '5', m2: '3' },
    });
  });

  it('moves a fleet budget by the same difference', () => {
    const budget = { ...saved, mode: 'fleet_budget' as const, limit: '20' };
    const lower = entry({ limitMode: 'fleet_budget', limitValue: 20, effectiveLimit: 6, suggestedLimit: 4 });
    expect(prefillSuggestion(lower, 'm1')?.(budget).limit).toBe('18');
    const higher = entry({ limitMode: 'fleet_budget', limitValue: 4, effectiveLimit: 2, suggestedLimit: 5 });
    expect(prefillSuggestion(higher, 'm1')?.(budget).limit).toBe('7');
  });

  it('proposes nothing without a suggestion', () => {
    expect(prefillSuggestion(entry({ suggestedLimit: null }), 'm1')).toBeUndefined();
  });
});
