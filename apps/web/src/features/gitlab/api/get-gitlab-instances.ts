import { queryOptions, useQuery } from '@tanstack/react-query';
import { GitlabInstanceList } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const gitlabInstancesKey = ['gitlab-instances'] as const;

export function getGitlabInstances(signal?: AbortSignal): Promise<GitlabInstanceList> {
  return apiGet('/api/v1/gitlab-instances', GitlabInstanceList, { signal });
}

export const gitlabInstancesQueryOptions = () =>
  queryOptions({
    queryKey: gitlabInstancesKey,
    queryFn: ({ signal }) => getGitlabInstances(signal),
  });

export function useGitlabInstances() {
  return useQuery(gitlabInstancesQueryOptions());
}
