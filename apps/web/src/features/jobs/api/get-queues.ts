import { queryOptions, useQuery } from '@tanstack/react-query';
import { JobList, TagSetQueueList } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';

/** How often queues are read again: job data itself is read from GitLab on an interval. */
export const QUEUES_REFRESH_MS = 10_000;

export const jobsKey = ['jobs'] as const;

export const queuesQueryOptions = () =>
  queryOptions({
    queryKey: [...jobsKey, 'queues'],
    queryFn: ({ signal }) => apiGet('/api/v1/jobs/queues', TagSetQueueList, { signal }),
    refetchInterval: QUEUES_REFRESH_MS,
  });

export function useQueues() {
  return useQuery(queuesQueryOptions());
}

export interface JobListParams {
  status: 'pending' | 'running';
  tagSet?: string;
  stuck?: boolean;
}

export const jobListQueryOptions = (params: JobListParams) =>
  queryOptions({
    queryKey: [...jobsKey, 'list', params],
    queryFn: ({ signal }) =>
      apiGet(
        `/api/v1/jobs${toQueryString({
          status: params.status,
          tagSet: params.tagSet,
          stuck: params.stuck === undefined ? undefined : String(params.stuck),
        })}`,
        JobList,
        { signal },
      ),
    refetchInterval: QUEUES_REFRESH_MS,
  });

export function useJobList(params: JobListParams) {
  return useQuery(jobListQueryOptions(params));
}
