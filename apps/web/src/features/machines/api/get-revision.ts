import { queryOptions, useQuery } from '@tanstack/react-query';
import { RevisionDetail } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';
import { machineRevisionsKey } from './get-revisions';

export const machineRevisionKey = (id: string, revision: number) =>
  [...machineRevisionsKey(id), revision] as const;

/** One revision with its config.toml; the API masks every token before it leaves the server. */
export function getMachineRevision(
  id: string,
  revision: number,
  signal?: AbortSignal,
): Promise<RevisionDetail> {
  return apiGet(`/api/v1/machines/${encodeURIComponent(id)}/revisions/${revision}`, RevisionDetail, {
    signal,
  });
}

export const machineRevisionQueryOptions = (id: string, revision: number) =>
  queryOptions({
    queryKey: machineRevisionKey(id, revision),
    queryFn: ({ signal }) => getMachineRevision(id, revision, signal),
  });

export function useMachineRevision(id: string, revision: number) {
  return useQuery(machineRevisionQueryOptions(id, revision));
}
