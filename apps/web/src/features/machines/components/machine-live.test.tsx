import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Machine, Revision } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { MACHINE_LIVE_POLL_MS } from '../api/use-machine-live';
import { aMachine, aRevision } from '../testing';

/** Serves one machine and its revisions; both can be changed between requests. */
function serve(machine: Machine, revisions: Revision[]) {
  const state = { machine, revisions };
  const { requests } = stubFetch(({ url }) => {
    if (url.pathname === `/api/v1/machines/${machine.id}`) return json(state.machine);
    if (url.pathname === `/api/v1/machines/${machine.id}/revisions`) return json({ items: state.revisions });
    if (url.pathname === '/api/v1/machines')
      return json({ items: [state.machine], nextCursor: null, total: 1 });
    return undefined;
  });
  const reads = (path: string) => requests.filter((r) => r.url.pathname === path).length;
  return {
    state,
    machineReads: () => reads(`/api/v1/machines/${machine.id}`),
    revisionReads: () => reads(`/api/v1/machines/${machine.id}/revisions`),
    listReads: () => reads('/api/v1/machines'),
  };
}

const applying = () =>
  aMachine({ hostname: 'build-01', desiredRevision: 4, appliedRevision: 3, revisionState: 'applying' });

const history = (latest: Revision['status']) => [
  aRevision({
    number: 4,
    status: latest,
    appliedAt: latest === 'applied' ? '2025-01-01T10:05:00.000Z' : null,
  }),
  aRevision({ number: 3, status: 'superseded' }),
];

afterEach(() => {
  vi.useRealTimers();
});

describe('machine page over the live socket', () => {
  it('shows a pushed machine state without fetching the machine again, and refreshes its history', async () => {
    const machine = applying();
    const api = serve(machine, history('pending'));
    const { live } = renderApp(`/machines/${machine.id}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'build-01' })).toBeTruthy();
    expect(await screen.findByText(/Revision 4 is on its way; refreshing every 2 s/)).toBeTruthy();

    const socket = live.latest();
    act(() => socket.accept());
    expect(socket.topics).toContain(`machine:${machine.id}`);
    expect(await screen.findByText(/Revision 4 is on its way; this page updates as soon as/)).toBeTruthy();
    const machineReads = api.machineReads();
    const revisionReads = api.revisionReads();

    api.state.revisions = history('applied');
    act(() =>
      socket.receive({
        type: 'machine',
        machine: { ...machine, appliedRevision: 4, revisionState: 'in_sync', connectionState: 'offline' },
      }),
    );

    expect(await screen.findByText(/Desired 4, applied 4: config in sync/)).toBeTruthy();
    expect(screen.getAllByText('Offline').length).toBeGreaterThan(0);
    // History is asked again (the push has no revisions); once it shows #4 applied, nothing is on its way.
    await waitFor(() => expect(screen.queryByText(/Revision 4 is on its way/)).toBeNull());
    expect(api.revisionReads()).toBe(revisionReads + 1);
    expect(api.machineReads()).toBe(machineReads);
  });

  it('polls a machine with a revision in flight only while the socket is not live', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const machine = applying();
    const api = serve(machine, history('pending'));
    const { live } = renderApp(`/machines/${machine.id}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'build-01' })).toBeTruthy();
    expect(api.machineReads()).toBe(1);

    // Connecting: the fallback polls.
    await act(() => vi.advanceTimersByTimeAsync(MACHINE_LIVE_POLL_MS));
    await waitFor(() => expect(api.machineReads()).toBe(2));

    // Live: pushes replace polling, however long the revision takes.
    act(() => live.latest().accept());
    expect(await screen.findByText('Live')).toBeTruthy();
    await act(() => vi.advanceTimersByTimeAsync(5 * MACHINE_LIVE_POLL_MS));
    expect(api.machineReads()).toBe(2);

    // The socket drops (e.g. a proxy cuts it): polling is back at once, while it reconnects.
    act(() => live.latest().drop());
    expect(await screen.findByText(/^Offline since \d\d:\d\d — reconnecting$/)).toBeTruthy();
    await act(() => vi.advanceTimersByTimeAsync(MACHINE_LIVE_POLL_MS));
    await waitFor(() => expect(api.machineReads()).toBe(3));
  });
});

describe('machines list over the live socket', () => {
  it('subscribes while the page is open and changes a row in place', async () => {
    const machine = aMachine({ hostname: 'edge-07' });
    const api = serve(machine, []);
    const { live, router } = renderApp('/machines');
    const link = await screen.findByRole('link', { name: 'edge-07' });
    const row = link.closest('tr')!;
    expect(row.textContent).toContain('Online');

    const socket = live.latest();
    act(() => socket.accept());
    expect(socket.topics).toEqual(['machines']);
    // Changes made before the subscription were never pushed: the list is asked once more.
    await waitFor(() => expect(api.listReads()).toBe(2));

    act(() =>
      socket.receive({
        type: 'machine',
        machine: { ...machine, connectionState: 'offline', drifting: true },
      }),
    );
    await waitFor(() => expect(row.textContent).toContain('Offline'));
    expect(row.textContent).toContain('Drifting');
    expect(api.listReads()).toBe(2);

    await act(() => router.navigate({ to: '/gitlab' }));
    await waitFor(() => expect(socket.topics).toEqual([]));
    expect(socket.sent.at(-1)).toEqual({ type: 'unsubscribe', topic: 'machines' });
  });
});
