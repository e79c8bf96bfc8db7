import { queryOptions, useQuery } from '@tanstack/react-query';
import { UserList } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const usersKey = ['users'] as const;

/** Everyone with an account (admins only). */
export function getUsers(signal?: AbortSignal): Promise<UserList> {
  return apiGet('/api/v1/users', UserList, { signal });
}

export const usersQueryOptions = () =>
  queryOptions({
    queryKey: usersKey,
    queryFn: ({ signal }) => getUsers(signal),
  });

export function useUsers() {
  return useQuery(usersQueryOptions());
}
