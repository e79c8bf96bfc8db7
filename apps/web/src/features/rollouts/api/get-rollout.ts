import { queryOptions, replaceEqualDeep, useQuery } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { RolloutStatus } from '@paddock/contracts';
import { apiGet } from '../../../lib/api-client';
import { useIsLive, useLiveTopic } from '../../../lib/live/live-context';

export const rolloutKey = (id: string) => ['rollouts', id] as const;

/** How often a rollout in progress is asked again without the live socket, and for how long before giving up. */
export const ROLLOUT_POLL_MS = 1_000;
export const ROLLOUT_POLL_LIMIT_MS = 120_000;

export function getRollout(id: string, signal?: AbortSignal): Promise<RolloutStatus> {
  return apiGet(`/api/v1/rollouts/${encodeURIComponent(id)}`, RolloutStatus, { signal });
}

/**
 * A machine's revision never goes back to pending. A REST answer read before a push can still arrive after it, so
 * a machine already settled for the same revision keeps its settled status.
 */
export function keepSettled(previous: RolloutStatus | undefined, next: RolloutStatus): RolloutStatus {
  if (!previous || previous.rolloutId !== next.rolloutId) return next;
  const settled = new Map(
    previous.machines
      .filter((machine) => machine.status !== 'pending')
      .map((machine) => [`${machine.machineId}#${machine.revision}`, machine]),
  );
  if (settled.size === 0) return next;
  return {
    ...next,
    machines: next.machines.map((machine) =>
      machine.status === 'pending'
        ? (settled.get(`${machine.machineId}#${machine.revision}`) ?? machine)
        : machine,
    ),
  };
}

export const rolloutQueryOptions = (id: string) =>
  queryOptions({
    queryKey: rolloutKey(id),
    queryFn: ({ signal }) => getRollout(id, signal),
    // Applies to fetched and pushed data alike: both pass through here on their way into the cache.
    structuralSharing: (previous: unknown, next: unknown) =>
      replaceEqualDeep(previous, keepSettled(previous as RolloutStatus | undefined, next as RolloutStatus)),
  });

/** Writes a rollout's state pushed by the live socket into the query the rollout progress reads. */
export function applyRolloutUpdate(queryClient: QueryClient, rollout: RolloutStatus): void {
  queryClient.setQueryData(rolloutKey(rollout.rolloutId), rollout);
}

export function isRolloutSettled(status: RolloutStatus | undefined): boolean {
  return status !== undefined && status.machines.every((machine) => machine.status !== 'pending');
}

/**
 * A rollout's state, machine by machine, until no machine is pending, and at most for two minutes after
 * `startedAt` (a machine that is offline applies its revision whenever it comes back). The `rollout:<id>` topic
 * pushes each change; while the socket is not live, the rollout is asked again every second instead.
 */
export function useRolloutStatus(id: string | null, startedAt: number) {
  const live = useIsLive();
  useLiveTopic(id === null ? null : `rollout:${id}`);
  return useQuery({
    ...rolloutQueryOptions(id ?? ''),
    enabled: id !== null,
    refetchInterval: (query) => {
      const left = ROLLOUT_POLL_LIMIT_MS - (Date.now() - startedAt);
      if (isRolloutSettled(query.state.data) || left <= 0) return false;
      // Pushes carry every change; one read when the time is up lets the page say the rollout timed out.
      return live ? left : ROLLOUT_POLL_MS;
    },
  });
}
