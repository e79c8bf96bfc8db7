import { queryOptions, useQuery } from '@tanstack/react-query';
import { RolloutStatus } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';

export const rolloutKey = (id: string) => ['rollouts', id] as const;

/** How often a rollout in progress is asked again, and for how long before the page stops asking. */
export const ROLLOUT_POLL_MS = 1_000;
export const ROLLOUT_POLL_LIMIT_MS = 120_000;

export function getRollout(id: string, signal?: AbortSignal): Promise<RolloutStatus> {
  return apiGet(`/api/v1/rollouts/${encodeURIComponent(id)}`, RolloutStatus, { signal });
}

export const rolloutQueryOptions = (id: string) =>
  queryOptions({
    queryKey: rolloutKey(id),
    queryFn: ({ signal }) => getRollout(id, signal),
  });

export function isRolloutSettled(status: RolloutStatus | undefined): boolean {
  return status !== undefined && status.machines.every((machine) => machine.status !== 'pending');
}

/**
 * A rollout's state, machine by machine, asked again every second until no machine is pending, and at most for
 * two minutes after `startedAt` (a machine that is offline applies its revision whenever it comes back). When
 * the `/live` socket arrives, its revision events update this same query instead.
 */
export function useRolloutStatus(id: string | null, startedAt: number) {
  return useQuery({
    ...rolloutQueryOptions(id ?? ''),
    enabled: id !== null,
    refetchInterval: (query) =>
      isRolloutSettled(query.state.data) || Date.now() - startedAt >= ROLLOUT_POLL_LIMIT_MS
        ? false
        : ROLLOUT_POLL_MS,
  });
}
