import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { FleetTrends, type FleetRange } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';
import { useLiveRefresh } from '../../../lib/live/live-context';

/**
 * Trends are built from samples taken once a minute. The `fleet` topic says when a new one is written (the live
 * bridge then invalidates every `fleet` query), so charts do not refetch a day of buckets on each machine event;
 * only while the socket is down do they poll, this often.
 */
export const FLEET_TRENDS_POLL_OFFLINE_MS = 30_000;

/** Follows new samples while mounted; the poll interval a chart needs meanwhile. */
export const useFleetSamplesLive = () => useLiveRefresh('fleet', FLEET_TRENDS_POLL_OFFLINE_MS);

export const fleetKey = ['fleet'] as const;

export const fleetTrendsQueryOptions = (range: FleetRange) =>
  queryOptions({
    queryKey: [...fleetKey, 'trends', range],
    queryFn: ({ signal }) =>
      apiGet(`/api/v1/fleet/trends${toQueryString({ range })}`, FleetTrends, { signal }),
    // Switching range keeps the other range's charts on screen until the new one arrives.
    placeholderData: keepPreviousData,
  });

export function useFleetTrends(range: FleetRange) {
  const refetchInterval = useFleetSamplesLive();
  return useQuery({ ...fleetTrendsQueryOptions(range), refetchInterval });
}
