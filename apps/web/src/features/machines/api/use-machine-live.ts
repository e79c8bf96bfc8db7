import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Machine, RevisionList } from '@paddock/contracts';
import { useIsLive, useLiveTopic } from '../../../lib/live/live-context';
import { machineKey, machineQueryOptions } from './get-machine';
import { machineRevisionsKey, machineRevisionsQueryOptions } from './get-revisions';

/** How often a machine with a revision on its way is asked again while the live socket is down. */
export const MACHINE_LIVE_POLL_MS = 2_000;

/** True while a revision is on its way to the host, i.e. while the page is worth refreshing by itself. */
export function isApplying(machine: Machine | undefined, revisions: RevisionList | undefined): boolean {
  return (
    machine?.revisionState === 'applying' ||
    (revisions?.items.some((revision) => revision.status === 'pending') ?? false)
  );
}

/**
 * A machine and its revisions, kept current: the `machine:<id>` topic pushes its state into these same query keys
 * while the page is open. Only while the socket is not live (down, or dropped by a proxy) does a machine with a
 * revision in flight fall back to polling.
 */
export function useMachineLive(id: string) {
  const queryClient = useQueryClient();
  const live = useIsLive();
  useLiveTopic(`machine:${id}`);
  // Read from the cache, so each query polls when either one shows a revision in flight.
  const interval = () =>
    !live &&
    isApplying(
      queryClient.getQueryData<Machine>(machineKey(id)),
      queryClient.getQueryData<RevisionList>(machineRevisionsKey(id)),
    )
      ? MACHINE_LIVE_POLL_MS
      : false;
  const machine = useQuery({ ...machineQueryOptions(id), refetchInterval: interval });
  const revisions = useQuery({ ...machineRevisionsQueryOptions(id), refetchInterval: interval });
  const applying = isApplying(machine.data, revisions.data);
  return { machine, revisions, applying, polling: applying && !live };
}
