import { useMutation, useQueryClient } from '@tanstack/react-query';
import { RunnerRegistration } from '@paddock/contracts';
import type { RegisterRunnerBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { machineListsKey } from '../../machines/api/get-machines';
import { runnerKey } from './get-runner';
import { runnerListsKey } from './get-runners';
import { tagsKey } from './get-tags';

/**
 * Creates the runner in GitLab, stores it and sends config.toml to its machines. The body should carry a
 * `registrationId` already subscribed to on `/live`, so every step can be shown as it happens.
 */
export function registerRunner(body: RegisterRunnerBody): Promise<RunnerRegistration> {
  return apiSend('POST', '/api/v1/runners', body, RunnerRegistration);
}

export function useRegisterRunner() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: registerRunner,
    onSuccess: async (registration) => {
      queryClient.setQueryData(runnerKey(registration.runner.id), registration.runner);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: runnerListsKey }),
        queryClient.invalidateQueries({ queryKey: tagsKey }),
        // Machines now run one more runner.
        queryClient.invalidateQueries({ queryKey: machineListsKey }),
      ]);
    },
  });
}
