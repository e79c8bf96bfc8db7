/**
 * Where `/live` meets TanStack Query: pushed state is written into the same query keys the pages read, so there is
 * one cache, and a page cannot tell a push from a fetch.
 */
import type { QueryClient } from '@tanstack/react-query';
import { applyMachineUpdate, reconcileMachineLists } from '../features/machines/api/machine-updates';
import { applyRolloutUpdate } from '../features/rollouts/api/get-rollout';
import type { LiveConnection } from '../lib/live/live-connection';

/** Starts writing `live`'s messages into `queryClient`; returns the function that stops it. */
export function connectLiveToQueryCache(live: LiveConnection, queryClient: QueryClient): () => void {
  const stopMessages = live.onMessage((message) => {
    if (message.type === 'machine') applyMachineUpdate(queryClient, message.machine);
    else if (message.type === 'rollout') applyRolloutUpdate(queryClient, message.rollout);
  });
  let wasLive = live.getState().status === 'live';
  const stopStates = live.onStateChange((state) => {
    const isLive = state.status === 'live';
    // Nothing is pushed for what changed before (re)subscribing. A machine or rollout topic answers with its
    // current state; lists do not, so they are fetched once more.
    if (isLive && !wasLive) void reconcileMachineLists(queryClient);
    wasLive = isLive;
  });
  return () => {
    stopMessages();
    stopStates();
  };
}
