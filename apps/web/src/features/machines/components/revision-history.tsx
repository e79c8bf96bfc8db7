import { Fragment, useId, useState } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { Machine, Revision, RevisionList } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { Chip } from '../../../components/ui/chip';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { RelativeTime } from '../../../components/ui/relative-time';
import { TableWrap } from '../../../components/ui/table-wrap';
import { describeError } from '../../../lib/api-client';
import { useRollbackRevision } from '../api/rollback-revision';
import type { ActionOutcome } from './action-result';
import { RevisionStatusBadge } from './machine-status';
import { RevisionView } from './revision-view';

const ACTOR_LABELS: Record<Revision['actorType'], string> = {
  user: 'A person',
  api_token: 'API token',
  agent: 'Agent',
  system: 'Paddock',
};

const COLUMNS = 8;

/** Every config.toml Paddock rendered for this machine, newest first, with a look inside and a way back. */
export function RevisionHistory({
  machine,
  revisions,
  onOutcome,
}: {
  machine: Machine;
  revisions: UseQueryResult<RevisionList>;
  onOutcome: (outcome: ActionOutcome) => void;
}) {
  const headingId = useId();
  const viewId = useId();
  const [viewing, setViewing] = useState<number>();
  // The target outlives `open`, so the dialog keeps its text while it closes and focus returns to the row.
  const [rollback, setRollback] = useState<{ revision: number; open: boolean }>();
  const rollbackMutation = useRollbackRevision(machine.id);

  const closeRollback = () => {
    setRollback((current) => (current ? { ...current, open: false } : current));
    rollbackMutation.reset();
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Revision history</h2>
      {revisions.isPending ? (
        <LoadingState label="Loading revisions…" />
      ) : revisions.isError ? (
        <ErrorState
          level={3}
          title="Could not load the revision history"
          error={revisions.error}
          onRetry={() => void revisions.refetch()}
          retrying={revisions.isFetching}
        />
      ) : revisions.data.items.length === 0 ? (
        <EmptyState title="No revisions yet" level={3}>
          <p>
            Paddock renders this machine&apos;s first config.toml when a runner is assigned to it. Every
            change after that is kept here, and any revision can be rolled back to.
          </p>
        </EmptyState>
      ) : (
        <TableWrap label="Revision history">
          <table className="table">
            <caption className="visually-hidden">Revisions of config.toml, newest first</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Revision
                </th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">By</th>
                <th scope="col">Created</th>
                <th scope="col">Applied</th>
                <th scope="col">Error</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {revisions.data.items.map((revision) => {
                const open = viewing === revision.number;
                const panelId = `${viewId}-${revision.number}`;
                return (
                  <Fragment key={revision.number}>
                    <tr>
                      <th scope="row" className="num">
                        <div className="stack revision-number">
                          <span>#{revision.number}</span>
                          {revision.number === machine.appliedRevision ? <Chip>on host</Chip> : null}
                          {revision.number === machine.desiredRevision &&
                          revision.number !== machine.appliedRevision ? (
                            <Chip>desired</Chip>
                          ) : null}
                        </div>
                      </th>
                      <td>
                        <RevisionStatusBadge status={revision.status} />
                      </td>
                      <td className="wrap">
                        {revision.reason}
                        {revision.rollbackOf != null ? (
                          <span className="small muted"> (rollback to #{revision.rollbackOf})</span>
                        ) : null}
                      </td>
                      <td>{ACTOR_LABELS[revision.actorType]}</td>
                      <td>
                        <RelativeTime value={revision.createdAt} />
                      </td>
                      <td>
                        <RelativeTime value={revision.appliedAt} fallback="—" />
                      </td>
                      <td className="wrap wrap-wide">
                        {revision.error ? (
                          <span className="revision-error">{revision.error}</span>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td>
                        <div className="row-actions">
                          <Button
                            variant="ghost"
                            aria-expanded={open}
                            aria-controls={open ? panelId : undefined}
                            onClick={() => setViewing(open ? undefined : revision.number)}
                          >
                            {open ? 'Hide' : 'View'}{' '}
                            <span className="visually-hidden">revision {revision.number}</span>
                          </Button>
                          {revision.number !== machine.desiredRevision ? (
                            <Button
                              variant="ghost"
                              onClick={() => {
                                rollbackMutation.reset();
                                setRollback({ revision: revision.number, open: true });
                              }}
                            >
                              Roll back to this{' '}
                              <span className="visually-hidden">(revision {revision.number})</span>
                            </Button>
                          ) : null}
                        </div>
                      </td>
                    </tr>
                    {open ? (
                      <tr className="revision-view-row">
                        <td colSpan={COLUMNS} id={panelId}>
                          <RevisionView machineId={machine.id} revision={revision} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
      {rollback ? (
        <ConfirmDialog
          open={rollback.open}
          title={`Roll back to revision ${rollback.revision}?`}
          confirmLabel={`Roll back to revision ${rollback.revision}`}
          busy={rollbackMutation.isPending}
          error={
            rollbackMutation.isError ? (
              <p role="alert">Could not roll back: {describeError(rollbackMutation.error)}</p>
            ) : null
          }
          onCancel={closeRollback}
          onConfirm={() =>
            rollbackMutation.mutate(rollback.revision, {
              onSuccess: (rollout) => {
                setRollback({ revision: rollback.revision, open: false });
                onOutcome({ action: `Roll back to revision ${rollback.revision}`, rollout });
              },
            })
          }
        >
          <p>
            Paddock creates a new revision with the settings of revision {rollback.revision} and sends it to{' '}
            {machine.hostname}. History is kept: the new revision is added on top.
          </p>
          <p>Runner tokens stay current; every other setting goes back to revision {rollback.revision}.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
