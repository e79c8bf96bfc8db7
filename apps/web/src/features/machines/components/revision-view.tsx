import { useId } from 'react';
import type { Revision } from '@paddock/contracts';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { useMachineRevision } from '../api/get-revision';
import { useRevisionDiff } from '../api/get-revision-diff';
import { DiffView } from './diff-view';

/** One revision opened from the history: what changed since the revision before, and its whole config.toml. */
export function RevisionView({ machineId, revision }: { machineId: string; revision: Revision }) {
  const detail = useMachineRevision(machineId, revision.number);
  const diff = useRevisionDiff(machineId, revision.number);
  const diffId = useId();
  const configId = useId();

  return (
    <div className="revision-view">
      <section aria-labelledby={diffId}>
        <h3 id={diffId}>
          {diff.data?.from != null
            ? `Changes from revision ${diff.data.from} to ${revision.number}`
            : `Changes in revision ${revision.number}`}
        </h3>
        {diff.isPending ? (
          <LoadingState label="Loading the changes…" />
        ) : diff.isError ? (
          <ErrorState
            level={3}
            title="Could not load the changes"
            error={diff.error}
            onRetry={() => void diff.refetch()}
            retrying={diff.isFetching}
          />
        ) : diff.data.diff === '' ? (
          <p className="muted">
            {diff.data.from != null
              ? `Same config.toml as revision ${diff.data.from}.`
              : 'This revision has an empty config.toml.'}
          </p>
        ) : (
          <>
            {diff.data.from == null ? (
              <p className="muted">
                {revision.number === 1
                  ? 'This is the first revision, so every line is new.'
                  : 'Older revisions are no longer kept, so every line is shown as new.'}
              </p>
            ) : diff.data.from !== revision.number - 1 ? (
              <p className="muted">
                Compared with revision {diff.data.from}, the nearest older one still kept.
              </p>
            ) : null}
            <DiffView diff={diff.data.diff} label={`Diff of revision ${revision.number}`} />
          </>
        )}
      </section>
      <section aria-labelledby={configId}>
        <h3 id={configId}>config.toml of revision {revision.number}</h3>
        <p className="small muted">Runner tokens are masked; the host gets the real ones.</p>
        {detail.isPending ? (
          <LoadingState label="Loading config.toml…" />
        ) : detail.isError ? (
          <ErrorState
            level={3}
            title="Could not load config.toml"
            error={detail.error}
            onRetry={() => void detail.refetch()}
            retrying={detail.isFetching}
          />
        ) : (
          <pre
            className="code-block config-file"
            aria-label={`Masked config.toml of revision ${revision.number}`}
            tabIndex={0}
          >
            <code>{detail.data.config}</code>
          </pre>
        )}
      </section>
    </div>
  );
}
