import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CreatedUser } from '@paddock/contracts';
import type { CreateUserBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { usersKey } from './get-users';

/** Invites a person; without a password the answer carries their one-time link, which only the form keeps. */
export function createUser(body: CreateUserBody): Promise<CreatedUser> {
  return apiSend('POST', '/api/v1/users', body, CreatedUser);
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    // The answer holds the invitation link; drop it once the page has taken it.
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}
