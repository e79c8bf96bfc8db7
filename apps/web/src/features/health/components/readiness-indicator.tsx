import type { Readiness } from '@paddock/contracts';
import { StatusBadge } from '../../../components/ui/status-badge';
import { isApiError } from '../../../lib/api-client';
import { useReadiness } from '../api/get-readiness';

/** Why the API is not ready, from the first failing check, e.g. "migrations: 1 pending migration(s)". */
export function notReadyReason(readiness: Readiness): string {
  const { database, migrations } = readiness.checks;
  if (!database.ok) return `database: ${database.detail ?? 'not reachable'}`;
  if (!migrations.ok) {
    return `migrations: ${migrations.detail ?? `${migrations.pending.length} pending`}`;
  }
  return 'a check failed';
}

/** A small live status spot for the API, so a broken backend is obvious before any page shows an error. */
export function ReadinessIndicator() {
  const { data, error, isPending } = useReadiness();
  let content;
  if (isPending) {
    content = (
      <StatusBadge tone="neutral" icon="sync">
        API: checking…
      </StatusBadge>
    );
  } else if (error) {
    content = (
      <>
        <StatusBadge tone="danger">API: unreachable</StatusBadge>
        <span className="readiness-reason">{isApiError(error) ? error.problem.title : 'request failed'}</span>
      </>
    );
  } else if (data.status === 'ready') {
    content = <StatusBadge tone="ok">API: ready</StatusBadge>;
  } else {
    content = (
      <>
        <StatusBadge tone="warning">API: not ready</StatusBadge>
        <span className="readiness-reason">{notReadyReason(data)}</span>
      </>
    );
  }
  return (
    <div className="readiness" role="status" aria-live="polite">
      {content}
    </div>
  );
}
