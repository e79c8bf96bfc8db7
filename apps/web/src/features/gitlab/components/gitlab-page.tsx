import { useState } from 'react';
import type { GitlabInstance } from '@paddock/contracts';
import { TableWrap } from '../../../components/ui/table-wrap';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';
import { describeError, isApiError } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useDeleteGitlabInstance } from '../api/delete-gitlab-instance';
import { useGitlabInstances } from '../api/get-gitlab-instances';
import { GitlabInstanceForm } from './gitlab-instance-form';

export function GitlabPage() {
  useDocumentTitle('GitLab');
  const instances = useGitlabInstances();
  const [editing, setEditing] = useState<GitlabInstance>();
  const [deleting, setDeleting] = useState<GitlabInstance>();

  return (
    <div className="page">
      <PageHeader
        title="GitLab"
        description="The GitLab instances Paddock registers runners in and keeps in sync with."
      />
      <section className="section" aria-labelledby="gitlab-connected">
        <h2 id="gitlab-connected">Connected instances</h2>
        {instances.isPending ? (
          <LoadingState label="Loading GitLab instances…" />
        ) : instances.isError ? (
          <ErrorState
            title="Could not load GitLab instances"
            level={3}
            error={instances.error}
            onRetry={() => void instances.refetch()}
            retrying={instances.isFetching}
          />
        ) : instances.data.items.length === 0 ? (
          <EmptyState title="No GitLab connected yet" level={3}>
            <p>
              Connect the GitLab your runners belong to with the form below. Paddock then registers and
              imports runners there and keeps their settings in sync.
            </p>
          </EmptyState>
        ) : (
          <InstanceTable items={instances.data.items} onEdit={setEditing} onDelete={setDeleting} />
        )}
      </section>

      {editing ? (
        <section className="card" aria-labelledby="gitlab-edit">
          <h2 id="gitlab-edit">Edit {editing.name}</h2>
          <GitlabInstanceForm
            key={editing.id}
            instance={editing}
            onDone={() => setEditing(undefined)}
            onCancel={() => setEditing(undefined)}
          />
        </section>
      ) : null}

      <section className="card" aria-labelledby="gitlab-connect">
        <h2 id="gitlab-connect">Connect a GitLab instance</h2>
        <GitlabInstanceForm />
      </section>

      {deleting ? (
        <DeleteInstanceDialog
          key={deleting.id}
          instance={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={() => {
            if (editing?.id === deleting.id) setEditing(undefined);
            setDeleting(undefined);
          }}
        />
      ) : null}
    </div>
  );
}

function InstanceTable({
  items,
  onEdit,
  onDelete,
}: {
  items: GitlabInstance[];
  onEdit: (instance: GitlabInstance) => void;
  onDelete: (instance: GitlabInstance) => void;
}) {
  return (
    <TableWrap label="Connected GitLab instances">
      <table className="table">
        <caption className="visually-hidden">Connected GitLab instances</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">URL</th>
            <th scope="col">Access token</th>
            <th scope="col">Version</th>
            <th scope="col">Last sync</th>
            <th scope="col" className="num">
              Runners
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((instance) => (
            <tr key={instance.id}>
              <th scope="row">{instance.name}</th>
              <td className="wrap wrap-wide">
                <a href={instance.url} target="_blank" rel="noreferrer noopener">
                  {instance.url}
                </a>
              </td>
              <td>
                <code aria-label={`ending in ${instance.accessTokenLast4}`}>
                  ••••{instance.accessTokenLast4}
                </code>
              </td>
              <td>{instance.version ?? <span className="muted">unknown</span>}</td>
              <td className="wrap">
                <div className="stack">
                  <RelativeTime value={instance.lastSyncAt} />
                  {instance.lastSyncError ? (
                    <StatusBadge tone="danger" title={instance.lastSyncError}>
                      Sync failed
                    </StatusBadge>
                  ) : null}
                  {instance.lastSyncError ? (
                    <span className="small muted">{instance.lastSyncError}</span>
                  ) : null}
                </div>
              </td>
              <td className="num">{instance.runnerCount}</td>
              <td>
                <div className="row-actions">
                  <Button
                    variant="ghost"
                    onClick={() => onEdit(instance)}
                    aria-label={`Edit ${instance.name}`}
                  >
                    Edit
                  </Button>
                  <Button
                    variant="ghost"
                    onClick={() => onDelete(instance)}
                    aria-label={`Delete ${instance.name}`}
                  >
                    Delete
                  </Button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function DeleteInstanceDialog({
  instance,
  onClose,
  onDeleted,
}: {
  instance: GitlabInstance;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useDeleteGitlabInstance(instance.id);
  const conflict = isApiError(remove.error) && remove.error.status === 409;
  return (
    <ConfirmDialog
      open
      title={`Disconnect ${instance.name}?`}
      confirmLabel="Delete"
      busy={remove.isPending}
      onCancel={onClose}
      onConfirm={() => remove.mutate(undefined, { onSuccess: onDeleted })}
      error={
        remove.isError ? (
          <div role="alert">
            {conflict ? (
              <p>
                <strong>This GitLab instance still has runners.</strong> Paddock cannot forget a GitLab while
                runners belong to it: remove or unregister its runners first, then try again.
              </p>
            ) : null}
            <p>{describeError(remove.error)}</p>
          </div>
        ) : null
      }
    >
      <p>
        Paddock deletes the stored access token and stops syncing with <strong>{instance.url}</strong>.
        Nothing in GitLab is changed.
      </p>
      {instance.runnerCount > 0 ? (
        <p>
          It has {instance.runnerCount} runner{instance.runnerCount === 1 ? '' : 's'} in Paddock, so the
          server will refuse until they are removed.
        </p>
      ) : null}
    </ConfirmDialog>
  );
}
