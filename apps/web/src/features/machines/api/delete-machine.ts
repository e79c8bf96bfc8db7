import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client';
import { machineKey } from './get-machine';
import { machineListsKey } from './get-machines';

export function deleteMachine(id: string): Promise<void> {
  return apiSend('DELETE', `/api/v1/machines/${encodeURIComponent(id)}`, undefined, null);
}

export function useDeleteMachine(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => deleteMachine(id),
    onSuccess: async () => {
      // Drop the detail instead of refetching it: it would only answer 404 now.
      queryClient.removeQueries({ queryKey: machineKey(id) });
      await queryClient.invalidateQueries({ queryKey: machineListsKey });
    },
  });
}
