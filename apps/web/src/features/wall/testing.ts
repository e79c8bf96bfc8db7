/** A wall summary for tests, valid against the contract. */
import { WallSummary } from '@paddock/contracts';

const id = (n: number) => `0190f1a2-0000-7000-8000-${String(n).padStart(12, '0')}`;

export function aWallSummary(overrides: Partial<WallSummary> = {}): WallSummary {
  return WallSummary.parse({
    at: '2025-01-01T10:00:05.000Z',
    filter: { tags: null, label: null },
    machines: {
      total: 4,
      online: 2,
      offline: 2,
      neverConnected: 1,
      drifting: 1,
      draining: 0,
      underPressure: 0,
      grid: [
        [id(1), 'build-01', 'online', 3, 4],
        [id(2), 'build-02', 'drifting', 0, 4],
        [id(3), 'build-03', 'offline', 0, 4],
        [id(4), 'build-04', 'never', 0, 0],
      ],
    },
    jobs: { running: 3, pending: 7, updatedAt: '2025-01-01T10:00:00.000Z' },
    capacity: { running: 3, limit: 8 },
    tagSets: [
      {
        tagSetKey: 'windows',
        tags: ['windows'],
        pending: 2,
        running: 0,
        oldestWaitSeconds: 1_260,
        stuck: { no_runner_with_tags: 2 },
      },
      {
        tagSetKey: 'docker,linux',
        tags: ['docker', 'linux'],
        pending: 5,
        running: 3,
        oldestWaitSeconds: 42,
        stuck: {},
      },
    ],
    unservedTagSets: [{ tagSetKey: 'windows', tags: ['windows'], pending: 2, reason: 'no_runner_with_tags' }],
    failuresLastHour: { jobs: 4, revisions: 1 },
    ...overrides,
  });
}
