import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Rollout } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { machineKey } from './get-machine';
import { machineListsKey } from './get-machines';

/** Pushes the desired revision again over a config.toml that was changed on the host. 409 without a revision. */
export function restoreMachine(id: string): Promise<Rollout> {
  return apiSend('POST', `/api/v1/machines/${encodeURIComponent(id)}/restore`, undefined, Rollout);
}

export function useRestoreMachine(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => restoreMachine(id),
    onSuccess: async () => {
      // The machine key covers its revisions, so the new pending revision shows up and live polling starts.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: machineKey(id) }),
        queryClient.invalidateQueries({ queryKey: machineListsKey }),
      ]);
    },
  });
}
