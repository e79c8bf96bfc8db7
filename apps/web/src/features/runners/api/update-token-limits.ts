import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Rollout } from '@paddock/contracts';
import type { UpdateTokenLimitsBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { machineKey } from '../../machines/api/get-machine';
import { runnerKey } from './get-runner';
import { runnerListsKey } from './get-runners';

/**
 * Changes a runner token's job limit. The API renders new revisions only for machines whose config.toml changes
 * and answers with that rollout (empty when nothing changed) and any fleet-budget shortfall.
 */
export function updateTokenLimits(id: string, body: UpdateTokenLimitsBody): Promise<Rollout> {
  return apiSend('PATCH', `/api/v1/runners/${encodeURIComponent(id)}/token`, body, Rollout);
}

export function useUpdateTokenLimits(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateTokenLimitsBody) => updateTokenLimits(id, body),
    onSuccess: async (rollout) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: runnerKey(id) }),
        // Lists show the limit ("4 per machine"), so they are out of date too.
        queryClient.invalidateQueries({ queryKey: runnerListsKey }),
        // Each machine that got a revision now has one pending.
        ...rollout.revisions.map(({ machineId }) =>
          queryClient.invalidateQueries({ queryKey: machineKey(machineId) }),
        ),
      ]);
    },
  });
}
