import { queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';
import { RunnerDetail } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';
import { useLiveTopic } from '../../../lib/live/live-context';

export const runnersKey = ['runners'] as const;
export const runnerKey = (id: string) => [...runnersKey, 'detail', id] as const;

/**
 * A machine changed: the runner pages showing it among their assignments read again (limits may have moved). A
 * rollout to many machines brings many of these at once; a read under way is joined, not restarted.
 */
export function invalidateRunnersOnMachine(queryClient: QueryClient, machineId: string): void {
  void queryClient.invalidateQueries(
    {
      queryKey: [...runnersKey, 'detail'],
      predicate: (query) =>
        (query.state.data as RunnerDetail | undefined)?.assignments.some((a) => a.machineId === machineId) ??
        false,
    },
    { cancelRefetch: false },
  );
}

export function getRunner(id: string, signal?: AbortSignal): Promise<RunnerDetail> {
  return apiGet(`/api/v1/runners/${encodeURIComponent(id)}`, RunnerDetail, { signal });
}

export const runnerQueryOptions = (id: string) =>
  queryOptions({
    queryKey: runnerKey(id),
    queryFn: ({ signal }) => getRunner(id, signal),
  });

/**
 * One runner, kept current: GitLab sync runs (its managers and status) and changes of the machines it runs on (a
 * fleet budget re-split changes their limits) make the live bridge read it again.
 */
export function useRunner(id: string) {
  useLiveTopic('gitlab');
  useLiveTopic('machines');
  return useQuery(runnerQueryOptions(id));
}
