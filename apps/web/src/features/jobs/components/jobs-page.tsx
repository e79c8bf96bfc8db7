import { getRouteApi, Link } from '@tanstack/react-router';
import type { Job, StuckReason, TagSetQueue } from '@paddock/contracts';
import { ChipList } from '../../../components/ui/chip';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { TableWrap } from '../../../components/ui/table-wrap';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useJobList, useQueues } from '../api/get-queues';

export const STUCK_LABELS: Record<StuckReason, string> = {
  no_runner_with_tags: 'no online runner has these tags',
  all_matching_paused: 'every matching runner is paused',
  protected_runners_only: 'only protected-ref runners match',
  all_matching_at_capacity: 'every matching runner is full',
};

/** "45 s", "12 min", "3 h 05 min": waits at a glance. */
export function formatWait(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

const tagsOf = (q: { tags: string[] }) => q.tags;

const routeApi = getRouteApi('/jobs');

export function JobsPage() {
  useDocumentTitle('Jobs');
  const { tagSet } = routeApi.useSearch();
  const queues = useQueues();
  const stuck = useJobList({ status: 'pending', stuck: true, ...(tagSet !== undefined && { tagSet }) });
  const running = useJobList({ status: 'running', ...(tagSet !== undefined && { tagSet }) });
  const shownQueues = queues.data?.items.filter((q) => tagSet === undefined || q.tagSetKey === tagSet) ?? [];

  return (
    <div className="page">
      <PageHeader
        title="Jobs"
        description="Pending and running jobs of the watched GitLab projects and groups, by tag set."
      />
      {tagSet !== undefined ? (
        <p className="filter-note" role="status">
          Showing the tag set <strong>{tagSet === '' ? 'untagged' : tagSet}</strong> only.{' '}
          <Link to="/jobs">Show every tag set</Link>
        </p>
      ) : null}
      <section aria-labelledby="queues-heading">
        <h2 id="queues-heading">Queues</h2>
        {queues.isPending ? (
          <LoadingState label="Loading queues…" />
        ) : queues.isError ? (
          <ErrorState
            title="Could not load the queues"
            error={queues.error}
            onRetry={() => void queues.refetch()}
            retrying={queues.isFetching}
          />
        ) : shownQueues.length === 0 ? (
          <EmptyState title="No jobs waiting or running">
            <p>
              Jobs appear here once a GitLab project or group is watched (GitLab page) and it has pending or
              running jobs.
            </p>
          </EmptyState>
        ) : (
          <>
            <QueuesTable queues={shownQueues} />
            {queues.data.updatedAt ? (
              <p className="muted">
                Read from GitLab <RelativeTime value={queues.data.updatedAt} />.
              </p>
            ) : null}
          </>
        )}
      </section>
      <section aria-labelledby="stuck-heading">
        <h2 id="stuck-heading">Stuck jobs</h2>
        {stuck.isPending ? (
          <LoadingState label="Loading stuck jobs…" />
        ) : stuck.isError ? (
          <ErrorState
            title="Could not load stuck jobs"
            error={stuck.error}
            onRetry={() => void stuck.refetch()}
            retrying={stuck.isFetching}
          />
        ) : stuck.data.items.length === 0 ? (
          <p className="muted">No pending job is stuck: every one has a runner that can take it.</p>
        ) : (
          <StuckJobsTable jobs={stuck.data.items} />
        )}
      </section>
      <section aria-labelledby="running-heading">
        <h2 id="running-heading">Running jobs</h2>
        {running.isPending ? (
          <LoadingState label="Loading running jobs…" />
        ) : running.isError ? (
          <ErrorState
            title="Could not load running jobs"
            error={running.error}
            onRetry={() => void running.refetch()}
            retrying={running.isFetching}
            level={3}
          />
        ) : running.data.items.length === 0 ? (
          <p className="muted">No job of the watched projects is running.</p>
        ) : (
          <RunningJobsTable jobs={running.data.items} />
        )}
      </section>
    </div>
  );
}

function QueuesTable({ queues }: { queues: TagSetQueue[] }) {
  return (
    <TableWrap label="Job queues by tag set">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Tags</th>
            <th scope="col" className="cell-number">
              Pending
            </th>
            <th scope="col" className="cell-number">
              Running
            </th>
            <th scope="col" className="cell-number">
              Oldest wait
            </th>
            <th scope="col" className="cell-number">
              Wait p50
            </th>
            <th scope="col" className="cell-number">
              Wait p95
            </th>
            <th scope="col">Stuck</th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => (
            <tr key={q.tagSetKey}>
              <th scope="row">
                <ChipList items={tagsOf(q)} empty="untagged" />
              </th>
              <td className="cell-number">{q.pending}</td>
              <td className="cell-number">{q.running}</td>
              <td className="cell-number">{formatWait(q.oldestWaitSeconds)}</td>
              <td className="cell-number">{formatWait(q.waitP50Seconds)}</td>
              <td className="cell-number">{formatWait(q.waitP95Seconds)}</td>
              <td>
                <StuckSummary stuck={q.stuck} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function StuckSummary({ stuck }: { stuck: TagSetQueue['stuck'] }) {
  const entries = Object.entries(stuck) as Array<[StuckReason, number]>;
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="plain-list">
      {entries.map(([reason, count]) => (
        <li key={reason}>
          <span className="stuck-text">
            <span aria-hidden="true">⚠ </span>
            {count} stuck: {STUCK_LABELS[reason]}
          </span>
        </li>
      ))}
    </ul>
  );
}

function StuckJobsTable({ jobs }: { jobs: Job[] }) {
  return (
    <TableWrap label="Stuck pending jobs">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Project</th>
            <th scope="col">Tags</th>
            <th scope="col">Ref</th>
            <th scope="col" className="cell-number">
              Waiting
            </th>
            <th scope="col">Why it waits</th>
            <th scope="col">Log</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id}>
              <th scope="row">
                {j.webUrl ? <a href={j.webUrl}>{j.name}</a> : j.name}{' '}
                <span className="muted">#{j.gitlabJobId}</span>
              </th>
              <td>{j.projectPath ?? j.projectId}</td>
              <td>
                <ChipList items={j.tags} empty="untagged" />
              </td>
              <td>
                {j.ref ?? '—'}
                {j.refProtected ? <span className="muted"> (protected)</span> : null}
              </td>
              <td className="cell-number">{formatWait(j.waitSeconds)}</td>
              <td>{j.stuckText}</td>
              <td>
                <LogLink job={j} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The job's live log in Paddock (its name links to GitLab). */
function LogLink({ job }: { job: Job }) {
  return (
    <Link to="/jobs/$jobId" params={{ jobId: job.id }} aria-label={`Log of ${job.name} #${job.gitlabJobId}`}>
      Log
    </Link>
  );
}

/** Running jobs by machine (those GitLab has not placed on a known machine last). */
function byMachine(jobs: Job[]): Job[] {
  return [...jobs].sort((a, b) => {
    if (a.machineHostname === b.machineHostname) return 0;
    if (a.machineHostname === null) return 1;
    if (b.machineHostname === null) return -1;
    return a.machineHostname.localeCompare(b.machineHostname);
  });
}

function RunningJobsTable({ jobs }: { jobs: Job[] }) {
  return (
    <TableWrap label="Running jobs by machine">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Machine</th>
            <th scope="col">Job</th>
            <th scope="col">Project</th>
            <th scope="col">Tags</th>
            <th scope="col">Ref</th>
            <th scope="col">Started</th>
            <th scope="col">Log</th>
          </tr>
        </thead>
        <tbody>
          {byMachine(jobs).map((j) => (
            <tr key={j.id}>
              <td>
                {j.machineId ? (
                  <Link to="/machines/$id" params={{ id: j.machineId }}>
                    {j.machineHostname}
                  </Link>
                ) : (
                  <span className="muted">not known</span>
                )}
              </td>
              <th scope="row">
                {j.webUrl ? <a href={j.webUrl}>{j.name}</a> : j.name}{' '}
                <span className="muted">#{j.gitlabJobId}</span>
              </th>
              <td>{j.projectPath ?? j.projectId}</td>
              <td>
                <ChipList items={j.tags} empty="untagged" />
              </td>
              <td>{j.ref ?? '—'}</td>
              <td>
                <RelativeTime value={j.startedAt} fallback="—" />
              </td>
              <td>
                <LogLink job={j} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
