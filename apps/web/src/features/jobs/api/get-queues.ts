import { queryOptions, useQuery } from '@tanstack/react-query';
import { JobList, TagSetQueueList } from '@paddock/contracts';
import { apiGet, toQueryString } from '../../../lib/api-client';
import { useLiveRefresh } from '../../../lib/live/live-context';

/**
 * Job data is read from GitLab by the sync; the `gitlab` topic says when a run ended, and the live bridge then
 * invalidates every `jobs` query. Only while the socket is down are queues polled, this often.
 */
export const QUEUES_POLL_OFFLINE_MS = 10_000;

export const jobsKey = ['jobs'] as const;

export const queuesQueryOptions = () =>
  queryOptions({
    queryKey: [...jobsKey, 'queues'],
    queryFn: ({ signal }) => apiGet('/api/v1/jobs/queues', TagSetQueueList, { signal }),
  });

export function useQueues() {
  const refetchInterval = useLiveRefresh('gitlab', QUEUES_POLL_OFFLINE_MS);
  return useQuery({ ...queuesQueryOptions(), refetchInterval });
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
  });

export function useJobList(params: JobListParams) {
  const refetchInterval = useLiveRefresh('gitlab', QUEUES_POLL_OFFLINE_MS);
  return useQuery({ ...jobListQueryOptions(params), refetchInterval });
}
