import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { MachinePage } from '@paddock/contracts';
import type { ListMachinesQuery } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';

export type MachineListParams = Partial<ListMachinesQuery>;

/** Every machine list shares this prefix, so one invalidation refreshes lists, filters and overview counts. */
export const machineListsKey = ['machines', 'list'] as const;

export function getMachines(params: MachineListParams, signal?: AbortSignal): Promise<MachinePage> {
  const query = toQueryString({
    status: params.status,
    label: params.label,
    q: params.q,
    sort: params.sort,
    limit: params.limit,
    cursor: params.cursor,
  });
  return apiGet(`/api/v1/machines${query}`, MachinePage, { signal });
}

export const machinesQueryOptions = (params: MachineListParams) =>
  queryOptions({
    queryKey: [...machineListsKey, params],
    queryFn: ({ signal }) => getMachines(params, signal),
    // Keep the current rows on screen while the next page or filter loads, instead of flashing a spinner.
    placeholderData: keepPreviousData,
  });

export function useMachines(params: MachineListParams) {
  return useQuery(machinesQueryOptions(params));
}
