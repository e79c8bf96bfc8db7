import type { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { gitlabInstancesKey } from '../features/gitlab/api/get-gitlab-instances';
import { jobsKey } from '../features/jobs/api/get-queues';
import { aMachine } from '../features/machines/testing';
import { fleetKey } from '../features/overview/api/get-fleet-trends';
import { runnerKey } from '../features/runners/api/get-runner';
import { aRunnerDetail, anAssignment } from '../features/runners/testing';
import { wallSummaryKey } from '../features/wall/api/get-wall-summary';
import { aWallSummary } from '../features/wall/testing';
import { LiveConnection } from '../lib/live/live-connection';
import { fakeLiveSockets } from '../lib/live/testing';
import { createTestQueryClient } from '../lib/testing';
import { connectLiveToQueryCache } from './live-cache-bridge';

const MACHINE = '0190f1a2-0000-7000-8000-0000000000a1';
const OTHER = '0190f1a2-0000-7000-8000-0000000000a2';

function setup() {
  const server = fakeLiveSockets();
  const live = new LiveConnection({ url: 'ws://paddock.test/live', WebSocket: server.WebSocket });
  const queryClient = createTestQueryClient();
  const stop = connectLiveToQueryCache(live, queryClient);
  live.start();
  server.latest().accept();
  return { socket: server.latest(), queryClient, stop: () => (live.stop(), stop()) };
}

const stale = (queryClient: QueryClient, queryKey: readonly unknown[]) =>
  queryClient.getQueryState(queryKey)?.isInvalidated ?? null;

describe('connectLiveToQueryCache', () => {
  it('writes a pushed wall summary into the entry of its filter, read with the session', () => {
    const { socket, queryClient, stop } = setup();
    const summary = aWallSummary();
    socket.receive({ type: 'wall', topic: 'wall:label=pool=gpu', summary });
    expect(queryClient.getQueryData(wallSummaryKey(undefined, { tags: null, label: 'pool=gpu' }))).toEqual(
      summary,
    );
    expect(queryClient.getQueryData(wallSummaryKey(undefined, { tags: null, label: null }))).toBeUndefined();
    stop();
  });

  it('marks charts stale on a new fleet sample, and GitLab data after a sync run', () => {
    const { socket, queryClient, stop } = setup();
    const keys = {
      trends: [...fleetKey, 'trends', 'hour'],
      queues: [...jobsKey, 'queues'],
      runners: ['runners', 'list', {}],
      gitlab: gitlabInstancesKey,
    };
    for (const key of Object.values(keys)) queryClient.setQueryData(key, {});

    socket.receive({ type: 'fleetSampled', at: '2026-12-06T10:00:00.000Z' });
    expect(stale(queryClient, keys.trends)).toBe(true);
    expect(stale(queryClient, keys.queues)).toBe(false);

    socket.receive({ type: 'gitlabSynced', at: '2026-12-06T10:00:05.000Z' });
    expect(stale(queryClient, keys.queues)).toBe(true);
    expect(stale(queryClient, keys.runners)).toBe(true);
    expect(stale(queryClient, keys.gitlab)).toBe(true);
    stop();
  });

  it('reads again the runners a changed machine runs, and only those', () => {
    const { socket, queryClient, stop } = setup();
    const onIt = aRunnerDetail({
      id: '0190f1a2-0000-7000-8000-0000000000c1',
      assignments: [anAssignment({ machineId: MACHINE })],
    });
    const elsewhere = aRunnerDetail({
      id: '0190f1a2-0000-7000-8000-0000000000c2',
      assignments: [anAssignment({ machineId: OTHER })],
    });
    queryClient.setQueryData(runnerKey(onIt.id), onIt);
    queryClient.setQueryData(runnerKey(elsewhere.id), elsewhere);

    socket.receive({ type: 'machine', machine: aMachine({ id: MACHINE }) });
    expect(stale(queryClient, runnerKey(onIt.id))).toBe(true);
    expect(stale(queryClient, runnerKey(elsewhere.id))).toBe(false);
    stop();
  });
});
