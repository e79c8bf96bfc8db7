import { queryOptions, useQuery } from '@tanstack/react-query';
import { SetupStatus } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const setupStatusKey = ['auth', 'setup'] as const;

/** Whether the first admin still has to be created (the setup link only works until then). */
export function getSetupStatus(signal?: AbortSignal): Promise<SetupStatus> {
  return apiGet('/api/v1/auth/setup', SetupStatus, { signal });
}

export const setupStatusQueryOptions = () =>
  queryOptions({
    queryKey: setupStatusKey,
    queryFn: ({ signal }) => getSetupStatus(signal),
  });

export function useSetupStatus() {
  return useQuery(setupStatusQueryOptions());
}
