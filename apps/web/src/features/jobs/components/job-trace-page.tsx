import { getRouteApi, Link } from '@tanstack/react-router';
import { Id } from '@paddock/contracts';
import type { Job } from '@paddock/contracts';
import { ChipList } from '../../../components/ui/chip';
import { Detail, DetailList } from '../../../components/ui/details';
import { EmptyState } from '../../../components/ui/empty-state';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';
import { useLiveState } from '../../../lib/live/live-context';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useJobList } from '../api/get-queues';
import { useJobTrace } from '../api/use-job-trace';
import { TraceView } from '../trace/trace-view';

const routeApi = getRouteApi('/jobs/$jobId');

const backLink = (
  <Link to="/jobs" className="back-link">
    ← All jobs
  </Link>
);

/** The job as the queues know it; gone from both lists once it has finished. */
function useQueuedJob(jobId: string): { job: Job | undefined; loading: boolean } {
  const running = useJobList({ status: 'running' });
  const pending = useJobList({ status: 'pending' });
  const job =
    running.data?.items.find((j) => j.id === jobId) ?? pending.data?.items.find((j) => j.id === jobId);
  return { job, loading: !job && (running.isPending || pending.isPending) };
}

export function JobTracePage() {
  const { jobId } = routeApi.useParams();
  if (!Id.safeParse(jobId).success) {
    return (
      <div className="page">
        <PageHeader title="Job log" back={backLink} />
        <EmptyState title="This is not a job address">
          <p>Open a job from the Jobs page to see its log.</p>
        </EmptyState>
      </div>
    );
  }
  // A new document per job, so switching jobs never mixes two logs.
  return <JobTrace key={jobId} jobId={jobId} />;
}

function JobTrace({ jobId }: { jobId: string }) {
  const trace = useJobTrace(jobId);
  const { job, loading } = useQueuedJob(jobId);
  const liveState = useLiveState();
  const name = job ? `${job.name} #${job.gitlabJobId}` : 'Job log';
  useDocumentTitle(name);

  return (
    <div className="page">
      <PageHeader
        title={name}
        back={backLink}
        description={
          <span className="badge-list">
            <JobStateBadge ended={trace.ended} job={job} loading={loading} />
          </span>
        }
        actions={
          job?.webUrl ? (
            <a href={job.webUrl} className="btn btn-secondary">
              Open in GitLab
            </a>
          ) : null
        }
      />
      {job ? (
        <section className="card" aria-labelledby="job-details">
          <h2 id="job-details">Job</h2>
          <DetailList>
            <Detail term="Project">{job.projectPath ?? job.projectId}</Detail>
            <Detail term="Ref">
              {job.ref ?? '—'}
              {job.refProtected ? ' (protected)' : ''}
            </Detail>
            <Detail term="Stage">{job.stage ?? '—'}</Detail>
            <Detail term="Tags">
              <ChipList items={job.tags} empty="untagged" />
            </Detail>
            <Detail term="Started">
              <RelativeTime value={job.startedAt} fallback="not yet" />
            </Detail>
            <Detail term="Runner">
              {job.runnerId ? (
                <Link to="/runners/$id" params={{ id: job.runnerId }}>
                  Open the runner
                </Link>
              ) : (
                <span className="muted">none yet</span>
              )}
            </Detail>
          </DetailList>
        </section>
      ) : null}
      {liveState.status !== 'live' ? (
        <p className="notice notice-warning" role="status">
          Live updates are {liveState.status === 'connecting' ? 'connecting' : 'disconnected'}; the log
          continues where it stopped as soon as they are back.
        </p>
      ) : null}
      {trace.error ? (
        <div className="notice notice-danger" role="alert">
          <p>
            <strong>Could not read the log from GitLab just now.</strong> {trace.error} Paddock keeps trying
            while the job runs.
          </p>
        </div>
      ) : null}
      <section aria-labelledby="job-log">
        <h2 id="job-log">Log</h2>
        {trace.doc.size === 0 ? (
          <p className="muted" role="status">
            {trace.ended ? 'This job wrote no log.' : 'Waiting for the first lines of the log…'}
          </p>
        ) : null}
        <TraceView doc={trace.doc} version={trace.version} label={`Log of ${name}`} />
        {trace.ended ? (
          <p className="small muted" role="status">
            {trace.complete
              ? 'The job has ended; this is its whole log.'
              : 'The job has ended; fetching the rest of its log…'}
          </p>
        ) : null}
      </section>
    </div>
  );
}

function JobStateBadge({ ended, job, loading }: { ended: boolean; job: Job | undefined; loading: boolean }) {
  if (ended) return <StatusBadge tone="neutral">Ended</StatusBadge>;
  if (job?.status === 'running') return <StatusBadge tone="info">Running</StatusBadge>;
  if (job?.status === 'pending') {
    return (
      <StatusBadge
        tone={job.stuckReason ? 'warning' : 'neutral'}
        icon={job.stuckReason ? 'triangle' : 'pause'}
      >
        {job.stuckReason ? `Pending, stuck: ${job.stuckText ?? job.stuckReason}` : 'Pending'}
      </StatusBadge>
    );
  }
  return <StatusBadge tone="neutral">{loading ? 'Checking status…' : 'Status unknown'}</StatusBadge>;
}
