import { queryOptions, useQuery } from '@tanstack/react-query';
import { RevisionDiff } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';
import { machineRevisionKey } from './get-revision';

export const revisionDiffKey = (id: string, revision: number, against?: number) =>
  [...machineRevisionKey(id, revision), 'diff', against ?? 'previous'] as const;

/** A unified diff of two revisions' config.toml; without `against`, the API compares with the newest older one kept. */
export function getRevisionDiff(
  id: string,
  revision: number,
  against?: number,
  signal?: AbortSignal,
): Promise<RevisionDiff> {
  const query = toQueryString({ against });
  return apiGet(
    `/api/v1/machines/${encodeURIComponent(id)}/revisions/${revision}/diff${query}`,
    RevisionDiff,
    { signal },
  );
}

export const revisionDiffQueryOptions = (id: string, revision: number, against?: number) =>
  queryOptions({
    queryKey: revisionDiffKey(id, revision, against),
    queryFn: ({ signal }) => getRevisionDiff(id, revision, against, signal),
    // Two revisions' texts never change, so their diff never does either.
    staleTime: Infinity,
  });

export function useRevisionDiff(id: string, revision: number, against?: number) {
  return useQuery(revisionDiffQueryOptions(id, revision, against));
}
