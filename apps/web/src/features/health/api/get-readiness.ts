import { queryOptions, useQuery } from '@tanstack/react-query';
import { Readiness } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

/** `/readyz` answers 503 with the same document when a check fails, so 503 is data here, not an error. */
export function getReadiness(signal?: AbortSignal): Promise<Readiness> {
  return apiGet('/readyz', Readiness, { signal, acceptStatus: [503] });
}

export const readinessQueryOptions = () =>
  queryOptions({
    queryKey: ['readiness'],
    queryFn: ({ signal }) => getReadiness(signal),
    // A status light must notice a database going away without a page reload.
    refetchInterval: 15_000,
    staleTime: 5_000,
  });

export function useReadiness() {
  return useQuery(readinessQueryOptions());
}
