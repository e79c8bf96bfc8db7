import { useMutation } from '@tanstack/react-query';
import type { ChangePasswordBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';

/** Changes the signed-in person's password; the API ends their other sessions and keeps this one. */
export function changePassword(body: ChangePasswordBody): Promise<void> {
  return apiSend('POST', '/api/v1/auth/password', body, null);
}

export function useChangePassword() {
  return useMutation({ mutationFn: changePassword });
}
