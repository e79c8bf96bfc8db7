import { useMutation, useQueryClient } from '@tanstack/react-query';
import { User } from '@paddock/contracts';
import type { UpdateUserBody, UserList } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { usersKey } from './get-users';

/** Changes a person's role, name or whether they may sign in (disabling ends their sessions and tokens). */
export function updateUser(id: string, body: UpdateUserBody): Promise<User> {
  return apiSend('PATCH', `/api/v1/users/${encodeURIComponent(id)}`, body, User);
}

export function useUpdateUser(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateUserBody) => updateUser(id, body),
    onSuccess: (user) => {
      // Show the answer at once, then read the list again for anything else that changed.
      queryClient.setQueryData<UserList>(usersKey, (list) =>
        list ? { items: list.items.map((item) => (item.id === user.id ? user : item)) } : list,
      );
      return queryClient.invalidateQueries({ queryKey: usersKey });
    },
  });
}
