/**
 * Rotate a runner's token, pause, resume and delete it. Each answer replaces the runner in the cache (delete
 * drops it), and lists are refreshed, since they show the pause state and the token.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { Id, RunnerDetail, type AdoptRunnerBody } from '@paddock/contracts';
import { z } from 'zod';
import { apiSend } from '../../../lib/api-client';
import { machineListsKey } from '../../machines/api/get-machines';
import { runnerKey } from './get-runner';
import { runnerListsKey } from './get-runners';

/**
 * A rotation answers with the runner, and with the rollout that sends the new token to its machines when there
 * is one. A bare runner is read the same way, with no rollout to follow.
 */
export const TokenRotationAnswer = z.union([
  z.object({ runner: RunnerDetail, rolloutId: Id.nullable() }),
  RunnerDetail.transform((runner) => ({ runner, rolloutId: null })),
]);
export type TokenRotationAnswer = z.output<typeof TokenRotationAnswer>;

const runnerPath = (id: string) => `/api/v1/runners/${encodeURIComponent(id)}`;

export function rotateRunnerToken(id: string): Promise<TokenRotationAnswer> {
  return apiSend('POST', `${runnerPath(id)}/rotate-token`, undefined, TokenRotationAnswer);
}

export function setRunnerPaused(id: string, paused: boolean): Promise<RunnerDetail> {
  return apiSend('POST', `${runnerPath(id)}/${paused ? 'pause' : 'resume'}`, undefined, RunnerDetail);
}

export function deleteRunner(id: string): Promise<void> {
  return apiSend('DELETE', runnerPath(id), undefined, null);
}

async function replaceRunner(queryClient: QueryClient, runner: RunnerDetail): Promise<void> {
  queryClient.setQueryData(runnerKey(runner.id), runner);
  await queryClient.invalidateQueries({ queryKey: runnerListsKey });
}

export function useRotateRunnerToken(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => rotateRunnerToken(id),
    onSuccess: ({ runner }) => replaceRunner(queryClient, runner),
  });
}

export function useSetRunnerPaused(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (paused: boolean) => setRunnerPaused(id, paused),
    onSuccess: (runner) => replaceRunner(queryClient, runner),
  });
}

export function useDeleteRunner(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => deleteRunner(id),
    onSuccess: async () => {
      // Drop the detail instead of refetching it: it would only answer 404 now.
      queryClient.removeQueries({ queryKey: runnerKey(id) });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: runnerListsKey }),
        queryClient.invalidateQueries({ queryKey: machineListsKey }),
      ]);
    },
  });
}

export function adoptRunner(id: string, body: AdoptRunnerBody): Promise<TokenRotationAnswer> {
  return apiSend('POST', `${runnerPath(id)}/adopt`, body, TokenRotationAnswer);
}

export function useAdoptRunner(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AdoptRunnerBody) => adoptRunner(id, body),
    onSuccess: async ({ runner }) => {
      await replaceRunner(queryClient, runner);
      await queryClient.invalidateQueries({ queryKey: machineListsKey });
    },
  });
}
