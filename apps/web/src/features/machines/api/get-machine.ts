import { queryOptions, useQuery } from '@tanstack/react-query';
import { Machine } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const machineKey = (id: string) => ['machines', 'detail', id] as const;

export function getMachine(id: string, signal?: AbortSignal): Promise<Machine> {
  return apiGet(`/api/v1/machines/${encodeURIComponent(id)}`, Machine, { signal });
}

export const machineQueryOptions = (id: string) =>
  queryOptions({
    queryKey: machineKey(id),
    queryFn: ({ signal }) => getMachine(id, signal),
  });

export function useMachine(id: string) {
  return useQuery(machineQueryOptions(id));
}
