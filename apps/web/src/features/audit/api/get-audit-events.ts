import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { AuditEventPage } from '@paddock/contracts';
import type { AuditQuery } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';

/** The query as sent: every filter optional, the page size a plain number. */
export type AuditEventParams = Partial<Omit<AuditQuery, 'limit'>> & { limit?: number };

export const auditEventsKey = ['audit-events'] as const;

/** One page of the audit log, newest first, narrowed by the filters (operators and admins). */
export function getAuditEvents(params: AuditEventParams, signal?: AbortSignal): Promise<AuditEventPage> {
  const query = toQueryString({
    actorType: params.actorType,
    actor: params.actor,
    action: params.action,
    targetType: params.targetType,
    targetId: params.targetId,
    from: params.from,
    to: params.to,
    limit: params.limit,
    cursor: params.cursor,
  });
  return apiGet(`/api/v1/audit-events${query}`, AuditEventPage, { signal });
}

export const auditEventsQueryOptions = (params: AuditEventParams) =>
  queryOptions({
    queryKey: [...auditEventsKey, params],
    queryFn: ({ signal }) => getAuditEvents(params, signal),
    // Keep the current rows on screen while the next page or filter loads.
    placeholderData: keepPreviousData,
  });

export function useAuditEvents(params: AuditEventParams) {
  return useQuery(auditEventsQueryOptions(params));
}
