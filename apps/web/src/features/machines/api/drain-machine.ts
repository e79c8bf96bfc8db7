import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Rollout } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { machineKey } from './get-machine';
import { machineListsKey } from './get-machines';

/**
 * Drain: a revision without the machine's runners. Running jobs finish; gitlab-runner stops asking for new ones.
 */
export function drainMachine(id: string): Promise<Rollout> {
  return apiSend('POST', `/api/v1/machines/${encodeURIComponent(id)}/drain`, undefined, Rollout);
}

export function useDrainMachine(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => drainMachine(id),
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: machineKey(id) }),
        queryClient.invalidateQueries({ queryKey: machineListsKey }),
      ]);
    },
  });
}
