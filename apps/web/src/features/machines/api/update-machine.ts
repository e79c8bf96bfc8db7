import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Machine } from '@paddock/contracts';
import type { UpdateMachineBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { machineKey } from './get-machine';
import { machineListsKey } from './get-machines';

export function updateMachine(id: string, body: UpdateMachineBody): Promise<Machine> {
  return apiSend('PATCH', `/api/v1/machines/${encodeURIComponent(id)}`, body, Machine);
}

export function useUpdateMachine(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateMachineBody) => updateMachine(id, body),
    onSuccess: async (machine) => {
      queryClient.setQueryData(machineKey(id), machine);
      // Labels feed the list's label filter, so lists may now match differently.
      await queryClient.invalidateQueries({ queryKey: machineListsKey });
    },
  });
}
