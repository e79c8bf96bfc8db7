import { useState } from 'react';
import { getRouteApi, Link } from '@tanstack/react-router';
import type { RunnerDetail } from '@paddock/contracts';
import { ConcurrencyChart } from '../../overview/components/concurrency-chart';
import { Button } from '../../../components/ui/button';
import { TableWrap } from '../../../components/ui/table-wrap';
import { ChipList } from '../../../components/ui/chip';
import { Detail, DetailList } from '../../../components/ui/details';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { isApiError } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useRunner } from '../api/get-runner';
import { RunnerActions } from './runner-actions';
import type { RunnerOutcome } from './runner-actions';
import { AdoptRunnerCard } from './adopt-runner-card';
import { RunnerManagers } from './runner-managers';
import { formatTokenLimit, PausedBadge, RUNNER_TYPE_LABELS, RunnerStatusBadge } from './runner-status';
import { RunnerTokenCard } from './runner-token-card';
import { TokenLimitEditor } from './token-limit-editor';

const routeApi = getRouteApi('/runners/$id');

const backLink = (
  <Link to="/runners" className="back-link">
    ← All runners
  </Link>
);

function runnerName(runner: RunnerDetail): string {
  return runner.description || `Runner #${runner.gitlabRunnerId}`;
}

export function RunnerDetailPage() {
  const { id } = routeApi.useParams();
  const runner = useRunner(id);
  useDocumentTitle(runner.data ? runnerName(runner.data) : 'Runner');

  if (runner.isPending) {
    return (
      <div className="page">
        <PageHeader title="Runner" back={backLink} />
        <LoadingState label="Loading runner…" />
      </div>
    );
  }
  if (runner.isError) {
    const notFound = isApiError(runner.error) && runner.error.status === 404;
    return (
      <div className="page">
        <PageHeader title="Runner" back={backLink} />
        {notFound ? (
          <EmptyState
            title="This runner does not exist"
            action={
              <Link to="/runners" className="btn btn-primary">
                Back to runners
              </Link>
            }
          >
            <p>It may have been deleted in Paddock or in GitLab.</p>
          </EmptyState>
        ) : (
          <ErrorState
            title="Could not load this runner"
            error={runner.error}
            onRetry={() => void runner.refetch()}
            retrying={runner.isFetching}
          />
        )}
      </div>
    );
  }

  return <RunnerView runner={runner.data} />;
}

function RunnerView({ runner: r }: { runner: RunnerDetail }) {
  const [outcome, setOutcome] = useState<RunnerOutcome>();
  return (
    <div className="page">
      <PageHeader
        title={runnerName(r)}
        back={backLink}
        description={
          <span className="badge-list">
            <RunnerStatusBadge status={r.gitlabStatus} />
            <PausedBadge paused={r.paused} />
          </span>
        }
        actions={<RunnerActions runner={r} onOutcome={setOutcome} />}
      />
      {outcome ? (
        <div
          className={outcome.ok ? 'notice action-result' : 'notice notice-danger action-result'}
          role={outcome.ok ? 'status' : 'alert'}
        >
          <p>
            <strong>{outcome.ok ? 'Done.' : 'Failed.'}</strong> {outcome.message}
          </p>
          <Button variant="ghost" onClick={() => setOutcome(undefined)}>
            Dismiss
          </Button>
        </div>
      ) : null}
      <section className="card" aria-labelledby="runner-details">
        <h2 id="runner-details">Details</h2>
        <DetailList>
          <Detail term="GitLab runner ID">#{r.gitlabRunnerId}</Detail>
          <Detail term="Type">
            {RUNNER_TYPE_LABELS[r.runnerType]}
            {r.groupId != null ? ` (group ${r.groupId})` : null}
            {r.projectId != null ? ` (project ${r.projectId})` : null}
          </Detail>
          <Detail term="Tags">
            <ChipList items={r.tags} />
          </Detail>
          <Detail term="Runs untagged jobs">{r.runUntagged ? 'Yes' : 'No'}</Detail>
          <Detail term="Locked to project">{r.locked ? 'Yes' : 'No'}</Detail>
          <Detail term="Protected branches only">{r.accessLevel === 'ref_protected' ? 'Yes' : 'No'}</Detail>
          <Detail term="Maximum job timeout">
            {r.maximumTimeout != null ? `${r.maximumTimeout} s` : '—'}
          </Detail>
          <Detail term="Executor">{r.executor}</Detail>
          <Detail term="Source">
            {r.source === 'managed' ? 'Registered by Paddock' : 'Imported from GitLab'}
          </Detail>
          <Detail term="Last contact">
            <RelativeTime value={r.contactedAt} />
          </Detail>
          <Detail term="Job limit">{formatTokenLimit(r.token)}</Detail>
          {r.token ? (
            <Detail term="request_concurrency">{r.token.requestConcurrency ?? 'default'}</Detail>
          ) : null}
          {r.maintenanceNote ? <Detail term="Maintenance note">{r.maintenanceNote}</Detail> : null}
        </DetailList>
      </section>
      {r.token ? <RunnerTokenCard token={r.token} /> : null}
      <RunnerManagers runner={r} />
      <ConcurrencyChart subject={{ runnerId: r.id }} />
      {r.token ? <TokenLimitEditor runner={r} token={r.token} /> : <AssignmentsCard runner={r} />}
      {r.source === 'imported' && !r.token && r.gitlabStatus !== 'deleted' ? (
        <AdoptRunnerCard runner={r} />
      ) : null}
    </div>
  );
}

/** Where the runner runs, read-only: without a token in Paddock there is no job limit to edit. */
function AssignmentsCard({ runner: r }: { runner: RunnerDetail }) {
  return (
    <section className="card" aria-labelledby="runner-assignments">
      <h2 id="runner-assignments">Assignments</h2>
      <p className="muted">
        Paddock holds no token for this runner, so it renders no config.toml for it and its job limit cannot
        be set here.
      </p>
      {r.assignments.length === 0 ? (
        <p className="muted">
          This runner is not assigned to any machine, so no host runs its jobs through Paddock.
        </p>
      ) : (
        <TableWrap label="Assignments">
          <table className="table">
            <caption className="visually-hidden">Machines this runner runs on</caption>
            <thead>
              <tr>
                <th scope="col">Machine</th>
                <th scope="col">System ID</th>
                <th scope="col" className="num">
                  Limit override
                </th>
                <th scope="col" className="num">
                  request_concurrency override
                </th>
                <th scope="col" className="num">
                  Effective limit
                </th>
              </tr>
            </thead>
            <tbody>
              {r.assignments.map((a) => (
                <tr key={a.machineId}>
                  <th scope="row">
                    <Link to="/machines/$id" params={{ id: a.machineId }}>
                      {a.hostname}
                    </Link>
                  </th>
                  <td>{a.systemId ? <code>{a.systemId}</code> : <span className="muted">unknown</span>}</td>
                  <td className="num">{a.limitOverride ?? '—'}</td>
                  <td className="num">{a.requestConcurrencyOverride ?? '—'}</td>
                  <td className="num">
                    {a.effectiveLimit == null ? '—' : a.effectiveLimit === 0 ? 'unlimited' : a.effectiveLimit}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
