import type { QueryClient } from '@tanstack/react-query';
import type { Machine, MachinePage } from '@paddock/contracts';
import { machineKey } from './get-machine';
import { machineListsKey } from './get-machines';
import { machineRevisionsKey } from './get-revisions';

const revisionMoved = (before: Machine, after: Machine) =>
  before.desiredRevision !== after.desiredRevision ||
  before.appliedRevision !== after.appliedRevision ||
  before.revisionState !== after.revisionState;

/**
 * Writes a machine's current state, pushed by the live socket, into every cached query that shows it, so pages
 * change without asking the API again. Rows are replaced where they are: a list is not re-sorted or re-filtered
 * until it is next fetched, so nothing jumps under the pointer.
 */
export function applyMachineUpdate(queryClient: QueryClient, machine: Machine): void {
  const before = queryClient.getQueryData<Machine>(machineKey(machine.id));
  queryClient.setQueryData(machineKey(machine.id), machine);
  for (const [queryKey, page] of queryClient.getQueriesData<MachinePage>({ queryKey: machineListsKey })) {
    if (!page?.items.some((item) => item.id === machine.id)) continue;
    queryClient.setQueryData<MachinePage>(queryKey, {
      ...page,
      items: page.items.map((item) => (item.id === machine.id ? machine : item)),
    });
  }
  // The push carries no revisions; when the machine's revision moved, its history changed too. `exact` leaves the
  // cached revision texts and diffs alone: those never change.
  if (!before || revisionMoved(before, machine)) {
    void queryClient.invalidateQueries({ queryKey: machineRevisionsKey(machine.id), exact: true });
  }
}

/**
 * Lists get no state when the `machines` topic is subscribed, so whatever changed while the socket was away is
 * asked for again. A list already being fetched is left to finish rather than fetched twice.
 */
export function reconcileMachineLists(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: machineListsKey }, { cancelRefetch: false });
}
