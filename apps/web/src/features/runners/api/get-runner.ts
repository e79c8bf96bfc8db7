import { queryOptions, useQuery } from '@tanstack/react-query';
import { RunnerDetail } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const runnerKey = (id: string) => ['runners', 'detail', id] as const;

export function getRunner(id: string, signal?: AbortSignal): Promise<RunnerDetail> {
  return apiGet(`/api/v1/runners/${encodeURIComponent(id)}`, RunnerDetail, { signal });
}

export const runnerQueryOptions = (id: string) =>
  queryOptions({
    queryKey: runnerKey(id),
    queryFn: ({ signal }) => getRunner(id, signal),
  });

export function useRunner(id: string) {
  return useQuery(runnerQueryOptions(id));
}
