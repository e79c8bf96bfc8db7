import { describe, expect, it } from 'vitest';
import type { RolloutStatus } from '@paddock/contracts';
import { ROLLOUT_POLL_LIMIT_MS } from '../api/get-rollout';
import { rolloutPhase, rolloutSummary } from './rollout-progress';

const machine = (status: RolloutStatus['machines'][number]['status']) => ({
  machineId: '0190f1a2-0000-7000-8000-00000000000a',
  hostname: 'alpha',
  revision: 2,
  status,
  error: null,
  appliedAt: null,
});

const statusOf = (...states: RolloutStatus['machines'][number]['status'][]): RolloutStatus => ({
  rolloutId: '0190f1a2-0000-7000-8000-0000000000f1',
  reason: 'token limit',
  createdAt: '2025-01-01T10:00:00.000Z',
  machines: states.map(machine),
});

describe('rolloutPhase', () => {
  it('is done once no machine is pending, however long it took', () => {
    expect(rolloutPhase(statusOf('applied', 'failed'), 0, ROLLOUT_POLL_LIMIT_MS * 2)).toBe('done');
  });

  it('gives up after two minutes with machines still pending', () => {
    expect(rolloutPhase(statusOf('applied', 'pending'), 0, ROLLOUT_POLL_LIMIT_MS - 1)).toBe('in_progress');
    expect(rolloutPhase(statusOf('applied', 'pending'), 0, ROLLOUT_POLL_LIMIT_MS)).toBe('timed_out');
    expect(rolloutPhase(undefined, 1_000, 1_500)).toBe('in_progress');
  });
});

describe('rolloutSummary', () => {
  it('says how far the rollout got', () => {
    expect(rolloutSummary(statusOf('applied', 'pending').machines, 'in_progress')).toBe(
      'Applying to 2 machines: 1 applied, 0 failed, 1 pending…',
    );
    expect(rolloutSummary(statusOf('applied', 'applied').machines, 'done')).toBe(
      'Done: 2 of 2 machines applied.',
    );
    expect(rolloutSummary(statusOf('applied', 'pending').machines, 'timed_out')).toMatch(
      /^Still in progress after 2 minutes: 1 machine has not applied the change yet/,
    );
  });
});
