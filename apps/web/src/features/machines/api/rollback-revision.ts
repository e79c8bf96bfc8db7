import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Rollout } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { machineKey } from './get-machine';
import { machineListsKey } from './get-machines';

/** Rolls back by creating a new revision with an older revision's settings; history is never rewritten. */
export function rollbackRevision(id: string, revision: number): Promise<Rollout> {
  return apiSend(
    'POST',
    `/api/v1/machines/${encodeURIComponent(id)}/revisions/${revision}/rollback`,
    undefined,
    Rollout,
  );
}

export function useRollbackRevision(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (revision: number) => rollbackRevision(id, revision),
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: machineKey(id) }),
        queryClient.invalidateQueries({ queryKey: machineListsKey }),
      ]);
    },
  });
}
