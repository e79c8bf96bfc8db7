import { queryOptions, useQuery } from '@tanstack/react-query';
import { DisplayTokenList } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const displayTokensKey = ['display-tokens'] as const;

/** The wall screens' tokens (admins only), with when each was last used. */
export function getDisplayTokens(signal?: AbortSignal): Promise<DisplayTokenList> {
  return apiGet('/api/v1/display-tokens', DisplayTokenList, { signal });
}

export const displayTokensQueryOptions = () =>
  queryOptions({
    queryKey: displayTokensKey,
    queryFn: ({ signal }) => getDisplayTokens(signal),
  });

export function useDisplayTokens() {
  return useQuery(displayTokensQueryOptions());
}
