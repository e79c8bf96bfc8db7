import { queryOptions, useQuery } from '@tanstack/react-query';
import { ApiTokenList } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const apiTokensKey = ['api-tokens'] as const;

/** The signed-in person's own API tokens, without the tokens themselves. */
export function getApiTokens(signal?: AbortSignal): Promise<ApiTokenList> {
  return apiGet('/api/v1/api-tokens', ApiTokenList, { signal });
}

export const apiTokensQueryOptions = () =>
  queryOptions({
    queryKey: apiTokensKey,
    queryFn: ({ signal }) => getApiTokens(signal),
  });

export function useApiTokens() {
  return useQuery(apiTokensQueryOptions());
}
