import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { FleetConcurrency, type FleetRange } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';
import { fleetKey, useFleetSamplesLive } from './get-fleet-trends';

/** Running jobs against the limit of one machine or one runner over time. */
export type ConcurrencySubject = { machineId: string } | { runnerId: string };

export const fleetConcurrencyQueryOptions = (subject: ConcurrencySubject, range: FleetRange) =>
  queryOptions({
    queryKey: [...fleetKey, 'concurrency', subject, range],
    queryFn: ({ signal }) =>
      apiGet(`/api/v1/fleet/concurrency${toQueryString({ ...subject, range })}`, FleetConcurrency, {
        signal,
      }),
    placeholderData: keepPreviousData,
  });

export function useFleetConcurrency(subject: ConcurrencySubject, range: FleetRange) {
  const refetchInterval = useFleetSamplesLive();
  return useQuery({ ...fleetConcurrencyQueryOptions(subject, range), refetchInterval });
}
