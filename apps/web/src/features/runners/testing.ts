import { RunnerDetail } from '@paddock/contracts';
import type { RunnerAssignment } from '@paddock/contracts';

/** A valid `RunnerDetail` (checked against the contract) with overrides. */
export function aRunnerDetail(overrides: Partial<RunnerDetail> = {}): RunnerDetail {
  return RunnerDetail.parse({
    id: '0190f1a2-0000-7000-8000-00000000bbbb',
    gitlabInstanceId: '0190f1a2-0000-7000-8000-00000000aaaa',
    gitlabRunnerId: 42,
    runnerType: 'group_type',
    groupId: 7,
    projectId: null,
    description: 'docker-builders',
    tags: ['docker'],
    runUntagged: false,
    locked: false,
    paused: false,
    accessLevel: 'not_protected',
    maximumTimeout: null,
    maintenanceNote: null,
    executor: 'docker',
    source: 'managed',
    gitlabStatus: 'online',
    contactedAt: null,
    token: {
      last4: 'zz99',
      obtainedAt: '2025-01-01T00:00:00.000Z',
      expiresAt: null,
      rotatedAt: null,
      limitMode: 'per_machine',
      limitValue: 4,
      requestConcurrency: null,
    },
    machineCount: 0,
    assignments: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  });
}

export function anAssignment(overrides: Partial<RunnerAssignment> & { machineId: string }): RunnerAssignment {
  return {
    hostname: `host-${overrides.machineId.slice(-4)}`,
    systemId: null,
    limitOverride: null,
    requestConcurrencyOverride: null,
    effectiveLimit: 4,
    ...overrides,
  };
}
