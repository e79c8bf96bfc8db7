/**
 * The fleet sampler: once a minute, one row per machine (running jobs against what it can take) and one per tag
 * set (pending jobs, oldest wait, wait percentiles), for the overview charts. Running jobs come from the agent's
 * last heartbeat (gitlab-runner's own metrics) while the machine is online and its metrics answered; otherwise
 * from GitLab's job data. A pass runs under an advisory lock and skips a minute already written, so several
 * replicas still write each minute once.
 */
import { Status } from '@paddock/protocol';
import type pg from 'pg';
import type { JobsRepository } from '../jobs/jobs.repository.js';
import { queuesByTagSet } from '../jobs/queues.js';
import type { FleetRepository, MachineForSample, SampleRow } from './fleet.repository.js';
import { withSamplerLock } from './sampler-lock.js';

/** How often a sample is taken when nothing else is said. */
export const FLEET_SAMPLE_INTERVAL_MS = 60_000;
/** Started jobs within this window count in the wait percentiles, as on the queues page. */
const WAIT_WINDOW_MS = 60 * 60 * 1000;

const RunnerStatus = Status.shape.runner;

/** Running jobs and the limit of one machine now. */
export function machineSample(m: MachineForSample): { running: number; limit: number } {
  const online = m.connectionState === 'online';
  const status =
    m.lastStatus && typeof m.lastStatus === 'object' && 'runner' in m.lastStatus
      ? RunnerStatus.safeParse(m.lastStatus.runner)
      : null;
  const reported = online && status?.success && status.data.metricsOk ? status.data : null;
  const running = reported ? reported.jobs.reduce((sum, j) => sum + j.running, 0) : m.gitlabRunning;
  // An offline or draining machine takes no new job, whatever its config says.
  if (!online || m.draining || m.assignments === 0) return { running, limit: 0 };
  const concurrent = reported?.concurrent ?? m.concurrent ?? Math.max(1, m.slotSum);
  const limit = m.unlimitedAssignments > 0 ? concurrent : Math.min(concurrent, m.limitSum);
  return { running, limit };
}

export type SampleResult =
  | { written: true; at: Date; machines: number; tagSets: number }
  | { written: false; at: Date; reason: 'locked' | 'already_sampled' };

export interface FleetSampler {
  /** Takes the sample of the minute `now` falls in, unless it exists or another replica is taking it. */
  sampleNow(now?: Date): Promise<SampleResult>;
}

export function fleetSampler(deps: {
  repo: FleetRepository;
  jobs: JobsRepository;
  pool: pg.Pool;
}): FleetSampler {
  const { repo, jobs } = deps;

  async function rows(now: Date): Promise<SampleRow[]> {
    const [machines, jobRows, runners] = await Promise.all([
      repo.machinesForSample(),
      jobs.jobsForQueues(WAIT_WINDOW_MS),
      jobs.runnersForMatching(),
    ]);
    const out: SampleRow[] = machines.map((m) => ({ kind: 'machine', machineId: m.id, ...machineSample(m) }));
    const queues = queuesByTagSet(
      jobRows.map((j) => ({ ...j, queuedAt: j.queuedAt ?? j.createdAt })),
      runners,
      now,
      WAIT_WINDOW_MS,
    );
    for (const q of queues)
      out.push({
        kind: 'tag_set',
        tagSetKey: q.tagSetKey,
        running: q.running,
        pending: q.pending,
        oldestWaitSeconds: q.oldestWaitSeconds,
        waitP50Seconds: q.waitP50Seconds,
        waitP95Seconds: q.waitP95Seconds,
      });
    return out;
  }

  return {
    async sampleNow(now = new Date()) {
      const at = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
      const result = await withSamplerLock(deps.pool, async (): Promise<SampleResult> => {
        if (await repo.sampledAt(at)) return { written: false, at, reason: 'already_sampled' };
        const sample = await rows(now);
        // Old samples are deleted by the retention module (PADDOCK_FLEET_SAMPLE_RETENTION_DAYS), in batches.
        await repo.insert(at, sample);
        return {
          written: true,
          at,
          machines: sample.filter((r) => r.kind === 'machine').length,
          tagSets: sample.filter((r) => r.kind === 'tag_set').length,
        };
      });
      return result.acquired ? result.value : { written: false, at, reason: 'locked' };
    },
  };
}
