import { useState } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import type { Machine, RevisionList } from '@paddock/contracts';
import { ConcurrencyChart } from '../../overview/components/concurrency-chart';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Detail, DetailList } from '../../../components/ui/details';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { describeError, isApiError } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useDeleteMachine } from '../api/delete-machine';
import { MACHINE_LIVE_POLL_MS, useMachineLive } from '../api/use-machine-live';
import { ActionResult } from './action-result';
import type { ActionOutcome } from './action-result';
import { DrainControls } from './drain-controls';
import { DriftBanner } from './drift-banner';
import { HostCard } from './host-pressure';
import { LabelsEditor } from './labels-editor';
import { CONNECTION_LOOK, MachineStatusBadges, REVISION_LOOK } from './machine-status';
import { RevisionHistory } from './revision-history';

const routeApi = getRouteApi('/machines/$id');

const backLink = (
  <Link to="/machines" className="back-link">
    ← All machines
  </Link>
);

export function MachineDetailPage() {
  const { id } = routeApi.useParams();
  const { machine, revisions, applying, polling } = useMachineLive(id);
  useDocumentTitle(machine.data ? machine.data.hostname : 'Machine');

  if (machine.isPending) {
    return (
      <div className="page">
        <PageHeader title="Machine" back={backLink} />
        <LoadingState label="Loading machine…" />
      </div>
    );
  }
  if (machine.isError) {
    const notFound = isApiError(machine.error) && machine.error.status === 404;
    return (
      <div className="page">
        <PageHeader title="Machine" back={backLink} />
        {notFound ? (
          <EmptyState
            title="This machine does not exist"
            action={
              <Link to="/machines" className="btn btn-primary">
                Back to machines
              </Link>
            }
          >
            <p>It may have been deleted.</p>
          </EmptyState>
        ) : (
          <ErrorState
            title="Could not load this machine"
            error={machine.error}
            onRetry={() => void machine.refetch()}
            retrying={machine.isFetching}
          />
        )}
      </div>
    );
  }
  return <MachineDetail machine={machine.data} revisions={revisions} applying={applying} polling={polling} />;
}

function MachineDetail({
  machine,
  revisions,
  applying,
  polling,
}: {
  machine: Machine;
  revisions: UseQueryResult<RevisionList>;
  /** A revision is on its way to the host. */
  applying: boolean;
  /** ...and the page asks for it on a timer, because live updates are not arriving. */
  polling: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState<ActionOutcome>();
  const remove = useDeleteMachine(machine.id);
  const navigate = useNavigate();

  return (
    <div className="page">
      <PageHeader
        title={machine.hostname}
        back={backLink}
        description={<MachineStatusBadges machine={machine} detailed />}
        actions={
          <>
            <DrainControls machine={machine} onOutcome={setOutcome} />
            <Button variant="danger" onClick={() => setConfirming(true)}>
              Delete machine
            </Button>
          </>
        }
      />
      {outcome ? (
        <ActionResult
          machineId={machine.id}
          outcome={outcome}
          revisions={revisions.data}
          onDismiss={() => setOutcome(undefined)}
        />
      ) : null}
      {machine.drifting ? <DriftBanner machine={machine} onOutcome={setOutcome} /> : null}
      <section className="card" aria-labelledby="machine-status">
        <div className="card-head">
          <h2 id="machine-status">Status</h2>
          {applying ? (
            <p className="live-note" role="status">
              <span className="spinner spinner-small" aria-hidden="true" />
              Revision {machine.desiredRevision} is on its way;{' '}
              {polling
                ? `refreshing every ${MACHINE_LIVE_POLL_MS / 1000} s.`
                : 'this page updates as soon as the agent reports.'}
            </p>
          ) : null}
        </div>
        <DetailList>
          <Detail term="Connection">
            {CONNECTION_LOOK[machine.connectionState].label}, last seen{' '}
            <RelativeTime value={machine.lastSeenAt} />
          </Detail>
          <Detail term="System ID">
            {machine.systemId ? (
              <code>{machine.systemId}</code>
            ) : (
              <span className="muted">not reported yet</span>
            )}
          </Detail>
          <Detail term="Agent version">{machine.agentVersion ?? '—'}</Detail>
          <Detail term="gitlab-runner version">{machine.runnerVersion ?? '—'}</Detail>
          <Detail term="Config revision">
            Desired {machine.desiredRevision || 'none'}, applied {machine.appliedRevision ?? 'none'}:{' '}
            {REVISION_LOOK[machine.revisionState].label.toLowerCase()}
          </Detail>
          <Detail term="Platform">{[machine.os, machine.arch].filter(Boolean).join(' / ') || '—'}</Detail>
          <Detail term="Connected since">
            <RelativeTime value={machine.connectedAt} fallback="not connected" />
          </Detail>
          <Detail term="concurrent">{machine.concurrent ?? '—'}</Detail>
          <Detail term="check_interval">
            {machine.checkInterval != null ? `${machine.checkInterval} s` : '—'}
          </Detail>
          <Detail term="Runners">
            {machine.runnerCount > 0 ? (
              <Link to="/runners" search={{ machineId: machine.id }}>
                {machine.runnerCount} {machine.runnerCount === 1 ? 'runner' : 'runners'}
              </Link>
            ) : (
              'none assigned'
            )}
          </Detail>
          <Detail term="Enrolled">
            <RelativeTime value={machine.createdAt} />
          </Detail>
        </DetailList>
      </section>
      <HostCard machine={machine} />
      <ConcurrencyChart subject={{ machineId: machine.id }} />
      <RevisionHistory machine={machine} revisions={revisions} onOutcome={setOutcome} />
      <LabelsEditor machine={machine} />
      <ConfirmDialog
        open={confirming}
        title={`Delete ${machine.hostname}?`}
        confirmLabel="Delete machine"
        busy={remove.isPending}
        error={remove.isError ? <p role="alert">Could not delete: {describeError(remove.error)}</p> : null}
        onCancel={() => {
          setConfirming(false);
          remove.reset();
        }}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => void navigate({ to: '/machines' }),
          })
        }
      >
        <p>
          Paddock forgets this machine, its labels and its runner assignments. Nothing on the host itself is
          changed; if its agent enrolls again, it comes back as a new machine.
        </p>
      </ConfirmDialog>
    </div>
  );
}
