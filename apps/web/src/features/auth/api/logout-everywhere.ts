import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiSend } from '../../../lib/api-client';
import { signedOut } from '../session-cache';

export const LogoutEverywhereResult = z.object({ sessionsEnded: z.number().int() });
export type LogoutEverywhereResult = z.infer<typeof LogoutEverywhereResult>;

/** Ends every session of the signed-in person, this one included; their open live connections close too. */
export function logoutEverywhere(): Promise<LogoutEverywhereResult> {
  return apiSend('POST', '/api/v1/auth/logout-everywhere', undefined, LogoutEverywhereResult);
}

export function useLogoutEverywhere() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logoutEverywhere,
    onSuccess: () => signedOut(queryClient),
  });
}
