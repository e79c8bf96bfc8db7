import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { RunnerPage } from '@paddock/contracts';
import type { ListRunnersQuery } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';
import { useLiveTopic } from '../../../lib/live/live-context';

export type RunnerListParams = Partial<ListRunnersQuery>;

export const runnerListsKey = ['runners', 'list'] as const;

export function getRunners(params: RunnerListParams, signal?: AbortSignal): Promise<RunnerPage> {
  const query = toQueryString({
    tag: params.tag,
    status: params.status,
    machineId: params.machineId,
    gitlabInstanceId: params.gitlabInstanceId,
    q: params.q,
    limit: params.limit,
    cursor: params.cursor,
  });
  return apiGet(`/api/v1/runners${query}`, RunnerPage, { signal });
}

export const runnersQueryOptions = (params: RunnerListParams) =>
  queryOptions({
    queryKey: [...runnerListsKey, params],
    queryFn: ({ signal }) => getRunners(params, signal),
    placeholderData: keepPreviousData,
  });

/** A runner list, read again (through the live bridge) after each GitLab sync run, which updates their status. */
export function useRunners(params: RunnerListParams) {
  useLiveTopic('gitlab');
  return useQuery(runnersQueryOptions(params));
}
