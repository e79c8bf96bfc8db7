import { describe, expect, it } from 'vitest';
import type { RolloutStatus } from '@paddock/contracts';
import { keepSettled } from './get-rollout';

type Progress = RolloutStatus['machines'][number];

const A = '0190f1a2-0000-7000-8000-00000000000a';
const B = '0190f1a2-0000-7000-8000-00000000000b';

const progress = (machineId: string, revision: number, status: Progress['status']): Progress => ({
  machineId,
  hostname: machineId === A ? 'alpha' : 'bravo',
  revision,
  status,
  error: status === 'failed' ? 'boom' : null,
  appliedAt: status === 'applied' ? '2025-01-01T10:01:00.000Z' : null,
});

const rollout = (...machines: Progress[]): RolloutStatus => ({
  rolloutId: '0190f1a2-0000-7000-8000-0000000000f1',
  reason: 'token limit',
  createdAt: '2025-01-01T10:00:00.000Z',
  machines,
});

describe('keepSettled', () => {
  it('keeps a settled machine settled when an older answer says pending', () => {
    const pushed = rollout(progress(A, 5, 'applied'), progress(B, 8, 'pending'));
    const late = rollout(progress(A, 5, 'pending'), progress(B, 8, 'pending'));
    expect(keepSettled(pushed, late)).toEqual(pushed);
  });

  it('takes every newer settled status, and pending for a different revision', () => {
    const before = rollout(progress(A, 5, 'failed'), progress(B, 8, 'applied'));
    const next = rollout(progress(A, 5, 'applied'), progress(B, 9, 'pending'));
    expect(keepSettled(before, next)).toEqual(next);
    expect(keepSettled(undefined, next)).toBe(next);
  });
});
