import { queryOptions, useQuery } from '@tanstack/react-query';
import { TagList } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const tagsKey = ['tags'] as const;

export function getTags(signal?: AbortSignal): Promise<TagList> {
  return apiGet('/api/v1/tags', TagList, { signal });
}

export const tagsQueryOptions = () =>
  queryOptions({
    queryKey: tagsKey,
    queryFn: ({ signal }) => getTags(signal),
  });

export function useTags() {
  return useQuery(tagsQueryOptions());
}
