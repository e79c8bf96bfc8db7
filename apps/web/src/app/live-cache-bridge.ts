/**
 * Where `/live` meets TanStack Query: pushed state is written into the same query keys the pages read, so there is
 * one cache, and a page cannot tell a push from a fetch.
 */
import type { QueryClient } from '@tanstack/react-query';
import { wallTopicFilter } from '@paddock/contracts';
import { applyMachineUpdate, reconcileMachineLists } from '../features/machines/api/machine-updates';
import { gitlabInstancesKey } from '../features/gitlab/api/get-gitlab-instances';
import { jobsKey } from '../features/jobs/api/get-queues';
import { fleetKey } from '../features/overview/api/get-fleet-trends';
import { invalidateRunnersOnMachine, runnersKey } from '../features/runners/api/get-runner';
import { wallSummaryKey } from '../features/wall/api/get-wall-summary';
import { applyRolloutUpdate } from '../features/rollouts/api/get-rollout';
import type { LiveConnection } from '../lib/live/live-connection';

/** Starts writing `live`'s messages into `queryClient`; returns the function that stops it. */
export function connectLiveToQueryCache(live: LiveConnection, queryClient: QueryClient): () => void {
  const stopMessages = live.onMessage((message) => {
    if (message.type === 'machine') {
      applyMachineUpdate(queryClient, message.machine);
      invalidateRunnersOnMachine(queryClient, message.machine.id);
    } else if (message.type === 'rollout') applyRolloutUpdate(queryClient, message.rollout);
    // A signed-in page showing fleet health (the overview) reads the wall summary with its session.
    else if (message.type === 'wall')
      queryClient.setQueryData(wallSummaryKey(undefined, wallTopicFilter(message.topic)), message.summary);
    // A new minute of samples: the trend and concurrency charts on screen read theirs again.
    else if (message.type === 'fleetSampled') void queryClient.invalidateQueries({ queryKey: fleetKey });
    // GitLab was read again: runner status and managers, queues and jobs, the instances' last sync.
    else if (message.type === 'gitlabSynced') readGitlabDataAgain(queryClient);
  });
  let wasLive = live.getState().status === 'live';
  const stopStates = live.onStateChange((state) => {
    const isLive = state.status === 'live';
    // Nothing is pushed for what changed before (re)subscribing. A machine, rollout or wall topic answers with its
    // current state; lists and charts do not, so they are fetched once more.
    if (isLive && !wasLive) {
      void reconcileMachineLists(queryClient);
      void queryClient.invalidateQueries({ queryKey: fleetKey });
      readGitlabDataAgain(queryClient);
    }
    wasLive = isLive;
  });
  return () => {
    stopMessages();
    stopStates();
  };
}

function readGitlabDataAgain(queryClient: QueryClient) {
  for (const queryKey of [jobsKey, runnersKey, gitlabInstancesKey])
    void queryClient.invalidateQueries({ queryKey });
}
