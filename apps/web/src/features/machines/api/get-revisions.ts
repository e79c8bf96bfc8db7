import { queryOptions, useQuery } from '@tanstack/react-query';
import { RevisionList } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';
import { machineKey } from './get-machine';

/** Under the machine's key, so invalidating a machine refreshes its revisions (and their details) too. */
export const machineRevisionsKey = (id: string) => [...machineKey(id), 'revisions'] as const;

export function getMachineRevisions(id: string, signal?: AbortSignal): Promise<RevisionList> {
  return apiGet(`/api/v1/machines/${encodeURIComponent(id)}/revisions`, RevisionList, { signal });
}

export const machineRevisionsQueryOptions = (id: string) =>
  queryOptions({
    queryKey: machineRevisionsKey(id),
    queryFn: ({ signal }) => getMachineRevisions(id, signal),
  });

export function useMachineRevisions(id: string) {
  return useQuery(machineRevisionsQueryOptions(id));
}
