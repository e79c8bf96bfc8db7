import { describe, expect, it } from 'vitest';
import type { RunnerForMatching } from './matching.js';
import { percentile, queuesByTagSet, type JobForQueues } from './queues.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

const runner: RunnerForMatching = {
  id: 'r1',
  tags: ['docker'],
  runUntagged: false,
  paused: false,
  accessLevel: 'not_protected',
  runnerType: 'instance_type',
  projectId: null,
  online: true,
  running: 1,
  capacity: 2,
};

const job = (over: Partial<JobForQueues>): JobForQueues => ({
  tags: ['docker'],
  refProtected: false,
  projectId: 1,
  status: 'pending',
  queuedAt: ago(10),
  startedAt: null,
  ...over,
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('queuesByTagSet', () => {
  it('groups by tag set whatever the tag order, counts pending and running, and takes the oldest wait', () => {
    const queues = queuesByTagSet(
      [
        job({ tags: ['docker', 'linux'], queuedAt: ago(30) }),
        job({ tags: ['linux', 'docker'], queuedAt: ago(90) }),
        job({ tags: ['linux', 'docker'], status: 'running', queuedAt: ago(200), startedAt: ago(100) }),
        job({ tags: ['docker'], queuedAt: ago(5) }),
      ],
      [runner],
      NOW,
    );
    expect(queues.map((q) => [q.tagSetKey, q.pending, q.running, q.oldestWaitSeconds])).toEqual([
      ['docker,linux', 2, 1, 90],
      ['docker', 1, 0, 5],
    ]);
  });

  it('computes wait percentiles over pending jobs and jobs started within the window', () => {
    const jobs = [
      ...Array.from({ length: 19 }, (_, i) =>
        job({ status: 'success', queuedAt: ago(1000 + i), startedAt: ago(1000 + i - (i + 1)) }),
      ),
      job({ queuedAt: ago(600) }),
      // Started two hours ago: outside the window, does not count.
      job({ status: 'success', queuedAt: ago(9000), startedAt: ago(7200) }),
    ];
    const [q] = queuesByTagSet(jobs, [runner], NOW);
    // Waits: 1..19 s for the started jobs, 600 s for the pending one.
    expect(q!.waitP50Seconds).toBe(10);
    expect(q!.waitP95Seconds).toBe(19);
    expect(queuesByTagSet(jobs, [runner], NOW, 3 * 3600 * 1000)[0]!.waitP95Seconds).toBe(600);
  });

  it('counts stuck pending jobs by reason', () => {
    const [gpu] = queuesByTagSet([job({ tags: ['gpu'] }), job({ tags: ['gpu'] })], [runner], NOW);
    expect(gpu!.stuck).toEqual({ no_runner_with_tags: 2 });
    const [full] = queuesByTagSet([job({})], [{ ...runner, running: 2 }], NOW);
    expect(full!.stuck).toEqual({ all_matching_at_capacity: 1 });
    const [fine] = queuesByTagSet([job({})], [runner], NOW);
    expect(fine!.stuck).toEqual({});
  });
});
