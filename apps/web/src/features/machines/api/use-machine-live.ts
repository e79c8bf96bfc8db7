import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Machine, RevisionList } from '@paddock/contracts';
import { machineKey, machineQueryOptions } from './get-machine';
import { machineRevisionsKey, machineRevisionsQueryOptions } from './get-revisions';

/** How often a machine with a revision on its way is asked again. */
export const MACHINE_LIVE_POLL_MS = 2_000;

/** True while a revision is on its way to the host, i.e. while the page is worth refreshing by itself. */
export function isApplying(machine: Machine | undefined, revisions: RevisionList | undefined): boolean {
  return (
    machine?.revisionState === 'applying' ||
    (revisions?.items.some((revision) => revision.status === 'pending') ?? false)
  );
}

/**
 * A machine and its revisions, kept fresh while a revision is pending. This is the one place that decides how
 * the machine page stays current: polling now; when the `/live` socket arrives, its events update these same
 * query keys and this hook drops the interval.
 */
export function useMachineLive(id: string) {
  const queryClient = useQueryClient();
  // Read from the cache, so each query polls when either one shows a revision in flight.
  const interval = () =>
    isApplying(
      queryClient.getQueryData<Machine>(machineKey(id)),
      queryClient.getQueryData<RevisionList>(machineRevisionsKey(id)),
    )
      ? MACHINE_LIVE_POLL_MS
      : false;
  const machine = useQuery({ ...machineQueryOptions(id), refetchInterval: interval });
  const revisions = useQuery({ ...machineRevisionsQueryOptions(id), refetchInterval: interval });
  return { machine, revisions, live: isApplying(machine.data, revisions.data) };
}
