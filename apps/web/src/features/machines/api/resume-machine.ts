import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Rollout } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { machineKey } from './get-machine';
import { machineListsKey } from './get-machines';

/** Resume after a drain: the machine's runners are rendered into config.toml again. */
export function resumeMachine(id: string): Promise<Rollout> {
  return apiSend('POST', `/api/v1/machines/${encodeURIComponent(id)}/resume`, undefined, Rollout);
}

export function useResumeMachine(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => resumeMachine(id),
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: machineKey(id) }),
        queryClient.invalidateQueries({ queryKey: machineListsKey }),
      ]);
    },
  });
}
