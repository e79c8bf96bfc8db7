import { Machine, Revision } from '@paddock/contracts';

let sequence = 0;

/** A valid `Machine` (checked against the contract, so fixtures cannot drift from the API) with overrides. */
export function aMachine(overrides: Partial<Machine> = {}): Machine {
  sequence += 1;
  const n = String(sequence).padStart(12, '0');
  return Machine.parse({
    id: `0190f1a2-0000-7000-8000-${n}`,
    systemId: `s_${n}`,
    hostname: `runner-${sequence}.example.net`,
    labels: {},
    os: 'linux',
    arch: 'amd64',
    agentVersion: '0.1.0',
    runnerVersion: '18.2.0',
    connectionState: 'online',
    connectedAt: '2025-01-01T10:00:00.000Z',
    lastSeenAt: new Date(Date.now() - 60_000).toISOString(),
    desiredRevision: 3,
    appliedRevision: 3,
    revisionState: 'in_sync',
    drainingSince: null,
    drifting: false,
    driftKeys: [],
    concurrent: 4,
    checkInterval: 3,
    cpuCount: 8,
    memoryBytes: 16 * 1024 ** 3,
    runnerCount: 2,
    host: null,
    pressure: null,
    createdAt: '2025-01-01T09:00:00.000Z',
    updatedAt: '2025-01-01T10:00:00.000Z',
    ...overrides,
  });
}

/** A valid `Revision` (checked against the contract) with overrides. */
export function aRevision(overrides: Partial<Revision> = {}): Revision {
  const number = overrides.number ?? 1;
  return Revision.parse({
    number,
    sha256: `${String(number).padStart(2, '0')}${'ab'.repeat(31)}`,
    reason: 'runner assigned',
    actorType: 'user',
    actorId: null,
    status: 'applied',
    rollbackOf: null,
    rolloutId: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    appliedAt: '2025-01-01T10:00:05.000Z',
    error: null,
    ...overrides,
  });
}
