import { getRouteApi } from '@tanstack/react-router';
import type { AuditEvent } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { Pagination } from '../../../components/ui/pagination';
import { RelativeTime } from '../../../components/ui/relative-time';
import { TableWrap } from '../../../components/ui/table-wrap';
import { formatDateTime } from '../../../lib/format';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { RequireRole } from '../../auth/components/require-role';
import { useAuditEvents } from '../api/get-audit-events';
import { ACTOR_TYPE_LABELS, AuditFilters, NO_AUDIT_FILTERS } from './audit-filters';
import { AuditChanges } from './audit-changes';

const routeApi = getRouteApi('/settings/audit');

export const AUDIT_PAGE_SIZE = 50;

/** Settings → Audit log (operators and admins): who changed what, when, from where. */
export function AuditPage() {
  return (
    <RequireRole role="operator" title="Audit log">
      <AuditLog />
    </RequireRole>
  );
}

function AuditLog() {
  useDocumentTitle('Audit log');
  const search = routeApi.useSearch();
  const navigate = routeApi.useNavigate();
  const { cursor, ...filters } = search;
  const events = useAuditEvents({ ...filters, cursor, limit: AUDIT_PAGE_SIZE });
  const filtered = Object.values(filters).some((value) => value !== undefined);

  return (
    <div className="page">
      <PageHeader
        title="Audit log"
        description="Every change made in Paddock, by people, API tokens, agents and Paddock itself. Secrets are never recorded."
      />
      <AuditFilters
        search={search}
        // New filters start from the first page: cursors belong to one set of filters.
        onApply={(next) => void navigate({ search: { ...next, cursor: undefined } })}
      />
      {events.isPending ? (
        <LoadingState label="Loading the audit log…" />
      ) : events.isError ? (
        <ErrorState
          title="Could not load the audit log"
          error={events.error}
          onRetry={() => void events.refetch()}
          retrying={events.isFetching}
        />
      ) : events.data.items.length === 0 ? (
        <EmptyState
          title={filtered ? 'No events match these filters' : 'Nothing recorded yet'}
          action={
            filtered ? (
              <Button onClick={() => void navigate({ search: { ...NO_AUDIT_FILTERS, cursor: undefined } })}>
                Clear filters
              </Button>
            ) : null
          }
        >
          <p>
            {filtered
              ? 'Try fewer filters or a wider time range.'
              : 'Changes appear here as people make them.'}
          </p>
        </EmptyState>
      ) : (
        <>
          <AuditTable events={events.data.items} updating={events.isPlaceholderData} />
          <Pagination
            noun="events"
            shown={events.data.items.length}
            total={events.data.total}
            hasPrevious={Boolean(cursor)}
            nextCursor={events.data.nextCursor}
            onNext={(next) => void navigate({ search: (prev) => ({ ...prev, cursor: next }) })}
            onFirst={() => void navigate({ search: (prev) => ({ ...prev, cursor: undefined }) })}
          />
        </>
      )}
    </div>
  );
}

function AuditTable({ events, updating }: { events: AuditEvent[]; updating: boolean }) {
  return (
    <TableWrap label="Audit events" updating={updating}>
      <table className="table">
        <caption className="visually-hidden">Audit events</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Source</th>
            <th scope="col">Before and after</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <th scope="row">
                <div className="stack">
                  <RelativeTime value={event.at} />
                  <span className="small muted">{formatDateTime(event.at)}</span>
                </div>
              </th>
              <td className="wrap">
                <div className="stack">
                  <span>{event.actorLabel ?? event.actorId ?? <span className="muted">unknown</span>}</span>
                  <span className="small muted">{ACTOR_TYPE_LABELS[event.actorType]}</span>
                </div>
              </td>
              <td>
                <code>{event.action}</code>
              </td>
              <td className="wrap">
                <div className="stack">
                  <span>{event.targetType}</span>
                  {event.targetId ? <code className="small">{event.targetId}</code> : null}
                </div>
              </td>
              <td>
                <div className="stack">
                  {event.sourceIp ? <span>{event.sourceIp}</span> : <span className="muted">—</span>}
                  {event.requestId ? (
                    <span className="small muted" title="Request id">
                      {event.requestId}
                    </span>
                  ) : null}
                </div>
              </td>
              <td className="wrap">
                <AuditChanges event={event} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
