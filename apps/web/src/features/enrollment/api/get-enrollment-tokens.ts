import { queryOptions, useQuery } from '@tanstack/react-query';
import { EnrollmentTokenList } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const enrollmentTokensKey = ['enrollment-tokens'] as const;

/** Enrollment tokens without their secret: the API only ever returns the token itself at creation. */
export function getEnrollmentTokens(signal?: AbortSignal): Promise<EnrollmentTokenList> {
  return apiGet('/api/v1/enrollment-tokens', EnrollmentTokenList, { signal });
}

export const enrollmentTokensQueryOptions = () =>
  queryOptions({
    queryKey: enrollmentTokensKey,
    queryFn: ({ signal }) => getEnrollmentTokens(signal),
  });

export function useEnrollmentTokens() {
  return useQuery(enrollmentTokensQueryOptions());
}
