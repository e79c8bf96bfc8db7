import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { apiSend } from '../../../lib/api-client';

export const PasswordLink = z.object({ invitePath: z.string() });
export type PasswordLink = z.infer<typeof PasswordLink>;

/** A new one-time link (valid 7 days) for a person to choose their password; older links stop working. */
export function createPasswordLink(userId: string): Promise<PasswordLink> {
  return apiSend('POST', `/api/v1/users/${encodeURIComponent(userId)}/invite`, undefined, PasswordLink);
}

export function useCreatePasswordLink(userId: string) {
  return useMutation({
    mutationFn: () => createPasswordLink(userId),
    // The answer is a credential; it lives only in the component that shows it.
    gcTime: 0,
  });
}
