import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { FleetTrends, type FleetRange } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';

/**
 * Trends are built from samples taken once a minute, so they are read again every 30 seconds rather than on every
 * live machine event: a fleet's heartbeats would otherwise refetch a day of buckets many times a minute for
 * points that only change once a minute.
 */
export const FLEET_TRENDS_REFRESH_MS = 30_000;

export const fleetKey = ['fleet'] as const;

export const fleetTrendsQueryOptions = (range: FleetRange) =>
  queryOptions({
    queryKey: [...fleetKey, 'trends', range],
    queryFn: ({ signal }) =>
      apiGet(`/api/v1/fleet/trends${toQueryString({ range })}`, FleetTrends, { signal }),
    refetchInterval: FLEET_TRENDS_REFRESH_MS,
    // Switching range keeps the other range's charts on screen until the new one arrives.
    placeholderData: keepPreviousData,
  });

export function useFleetTrends(range: FleetRange) {
  return useQuery(fleetTrendsQueryOptions(range));
}
