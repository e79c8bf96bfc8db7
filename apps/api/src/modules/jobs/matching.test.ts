import { describe, expect, it } from 'vitest';
import {
  eligibleRunners,
  stuckReason,
  tagSetKey,
  type JobForMatching,
  type RunnerForMatching,
} from './matching.js';

const runner = (over: Partial<RunnerForMatching> = {}): RunnerForMatching => ({
  id: 'r1',
  tags: ['docker', 'linux'],
  runUntagged: false,
  paused: false,
  accessLevel: 'not_protected',
  runnerType: 'instance_type',
  projectId: null,
  online: true,
  running: 0,
  capacity: 4,
  ...over,
});
const job = (over: Partial<JobForMatching> = {}): JobForMatching => ({
  tags: ['docker'],
  refProtected: false,
  projectId: 7,
  ...over,
});

describe('tagSetKey', () => {
  it('sorts, trims and deduplicates, and is empty for an untagged job', () => {
    expect(tagSetKey(['linux', 'docker', ' docker '])).toBe('docker,linux');
    expect(tagSetKey([])).toBe('');
  });
});

describe('stuckReason', () => {
  it('is null when a runner with room could take the job', () => {
    expect(stuckReason(job(), [runner()])).toBeNull();
  });

  it('names missing tags, counting offline runners as absent', () => {
    expect(stuckReason(job({ tags: ['gpu'] }), [runner()])).toBe('no_runner_with_tags');
    expect(stuckReason(job(), [runner({ online: false })])).toBe('no_runner_with_tags');
    // A runner must hold every tag of the job, not just one.
    expect(stuckReason(job({ tags: ['docker', 'arm64'] }), [runner()])).toBe('no_runner_with_tags');
  });

  it('needs a runner that runs untagged jobs for an untagged job', () => {
    expect(stuckReason(job({ tags: [] }), [runner()])).toBe('no_runner_with_tags');
    expect(stuckReason(job({ tags: [] }), [runner({ runUntagged: true })])).toBeNull();
  });

  it('names paused runners when they are the only ones with the tags', () => {
    expect(stuckReason(job(), [runner({ paused: true }), runner({ id: 'r2', paused: true })])).toBe(
      'all_matching_paused',
    );
    expect(stuckReason(job(), [runner({ paused: true }), runner({ id: 'r2' })])).toBeNull();
  });

  it('names protected-only runners for a job on an unprotected ref', () => {
    const protectedOnly = runner({ accessLevel: 'ref_protected' });
    expect(stuckReason(job(), [protectedOnly])).toBe('protected_runners_only');
    expect(stuckReason(job({ refProtected: true }), [protectedOnly])).toBeNull();
    // Runners for any ref also take protected refs.
    expect(stuckReason(job({ refProtected: true }), [runner()])).toBeNull();
  });

  it('names capacity when every runner that could take it is full, and unlimited runners never are', () => {
    expect(stuckReason(job(), [runner({ running: 4, capacity: 4 })])).toBe('all_matching_at_capacity');
    expect(
      stuckReason(job(), [runner({ running: 4, capacity: 4 }), runner({ id: 'r2', running: 3 })]),
    ).toBeNull();
    expect(stuckReason(job(), [runner({ running: 400, capacity: null })])).toBeNull();
  });

  it('reports the first failing rule: a paused runner that is also full is reported as paused', () => {
    expect(stuckReason(job(), [runner({ paused: true, running: 4, capacity: 4 })])).toBe(
      'all_matching_paused',
    );
  });

  it('lets a project runner take only its own project’s jobs', () => {
    const own = runner({ runnerType: 'project_type', projectId: 7 });
    expect(stuckReason(job(), [own])).toBeNull();
    expect(stuckReason(job({ projectId: 8 }), [own])).toBe('no_runner_with_tags');
  });
});

describe('GitLab instances', () => {
  it('never matches a runner of another GitLab', () => {
    expect(stuckReason(job({ gitlabInstanceId: 'a' }), [runner({ gitlabInstanceId: 'b' })])).toBe(
      'no_runner_with_tags',
    );
    expect(stuckReason(job({ gitlabInstanceId: 'a' }), [runner({ gitlabInstanceId: 'a' })])).toBeNull();
  });
});

describe('eligibleRunners', () => {
  it('lists the runners that could take the job whatever their load', () => {
    const runners = [
      runner({ id: 'full', running: 4 }),
      runner({ id: 'paused', paused: true }),
      runner({ id: 'other-tags', tags: ['windows'] }),
      runner({ id: 'offline', online: false }),
    ];
    expect(eligibleRunners(job(), runners).map((r) => r.id)).toEqual(['full']);
  });
});
