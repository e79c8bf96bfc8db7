import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import type { WallFilter } from '@paddock/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestQueryClient, json, renderApp, stubFetch } from '../../../lib/testing';
import { fakeLiveSockets } from '../../../lib/live/testing';
import { aWallSummary } from '../testing';
import { wallFilterOf } from '../wall-search';
import { drawGrid, gridDescription, gridLayout, heatBucket } from './heat-grid';
import { formatWait, WallScreen } from './wall-page';

const DISPLAY = 'pdw_Wall0123456789abcdefghijkl';

beforeEach(() => {
  // jsdom draws nothing; the drawing itself is checked with a recording context below.
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function renderWall(filter: WallFilter = { tags: null, label: null }) {
  const live = fakeLiveSockets();
  const queryClient = createTestQueryClient();
  const view = render(
    <QueryClientProvider client={queryClient}>
      <WallScreen display={DISPLAY} filter={filter} webSocket={live.WebSocket} />
    </QueryClientProvider>,
  );
  return { ...view, live, queryClient };
}

const figure = (label: string) =>
  screen.getByText(label, { selector: 'dt' }).closest('.wall-figure') as HTMLElement;

describe('WallScreen', () => {
  it('shows the figures, queues, unserved tag sets and a text summary of the heat grid', async () => {
    const { requests } = stubFetch(({ url }) =>
      url.pathname === '/api/v1/wall/summary' ? json(aWallSummary()) : undefined,
    );
    renderWall();
    expect(await screen.findByText('Jobs pending')).toBeTruthy();
    expect(within(figure('Online')).getByText('2')).toBeTruthy();
    expect(figure('Online').textContent).toContain('of 4');
    expect(figure('Offline').textContent).toContain('1 never connected');
    expect(figure('Jobs pending').textContent).toContain('7');
    expect(figure('Capacity used').textContent).toContain('38 %');
    expect(figure('Capacity used').textContent).toContain('3 / 8');
    expect(figure('Failures, last hour').textContent).toContain('5');
    expect(figure('Under pressure').textContent).toBe('Under pressure0');
    const queues = screen.getByRole('table');
    expect(within(queues).getByRole('rowheader', { name: 'windows' }).closest('tr')?.textContent).toContain(
      '21 min',
    );
    expect(screen.getByText(/no online runner has these tags/)).toBeTruthy();
    expect(
      screen.getByRole('img', { name: /4 machines\..*1 offline: build-03\..*1 never connected: build-04/ }),
    ).toBeTruthy();
    expect(screen.getByText('Drifting', { selector: '.wall-legend-item' })).toBeTruthy();
    expect(requests[0]!.url.searchParams.get('display')).toBe(DISPLAY);
  });

  it('follows pushed summaries, says since when it is stale, reconnects by itself and reads the summary again', async () => {
    let served = 0;
    stubFetch(({ url }) => {
      if (url.pathname !== '/api/v1/wall/summary') return undefined;
      served += 1;
      return json(aWallSummary({ jobs: { running: 3, pending: 7 + served, updatedAt: null } }));
    });
    const { live } = renderWall();
    expect(await screen.findByText('8')).toBeTruthy();
    const socket = live.latest();
    expect(socket.url).toBe(`ws://localhost:3000/live?display=${DISPLAY}`);
    act(() => socket.accept());
    expect(socket.topics).toEqual(['wall']);

    act(() =>
      socket.receive({
        type: 'wall',
        topic: 'wall',
        summary: aWallSummary({ jobs: { running: 3, pending: 42, updatedAt: null } }),
      }),
    );
    await waitFor(() => expect(figure('Jobs pending').textContent).toContain('42'));
    // A summary for another filter is not this screen's.
    act(() =>
      socket.receive({
        type: 'wall',
        topic: 'wall:label=pool=gpu',
        summary: aWallSummary({ jobs: { running: 0, pending: 1, updatedAt: null } }),
      }),
    );
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(figure('Jobs pending').textContent).toContain('42');
    expect(screen.queryByText(/Stale since/)).toBeNull();

    vi.useFakeTimers({ shouldAdvanceTime: true });
    act(() => socket.drop());
    expect(screen.getByRole('status').textContent).toMatch(/Stale since \d\d:\d\d:\d\d/);
    expect(figure('Jobs pending').textContent).toContain('42');
    await act(() => vi.advanceTimersByTimeAsync(30_000));
    vi.useRealTimers();
    expect(live.sockets).toHaveLength(2);
    act(() => live.latest().accept());
    expect(live.latest().topics).toEqual(['wall']);
    expect(screen.queryByText(/Stale since/)).toBeNull();
    await waitFor(() => expect(served).toBeGreaterThanOrEqual(2));
  });

  it('says so when its display token is refused', async () => {
    stubFetch(({ url }) =>
      url.pathname === '/api/v1/wall/summary'
        ? json(
            {
              type: 'urn:paddock:problem:unauthorized',
              title: 'Unauthorized',
              status: 401,
              code: 'unauthorized',
            },
            401,
          )
        : undefined,
    );
    renderWall();
    expect((await screen.findByRole('alert')).textContent).toMatch(/display token is not valid/);
  });
});

describe('the /wall route', () => {
  it('renders without the app frame and sends the layout filter to the summary and the live topic', async () => {
    const live = fakeLiveSockets();
    vi.stubGlobal('WebSocket', live.WebSocket);
    const { requests } = stubFetch(({ url }) =>
      url.pathname === '/api/v1/wall/summary'
        ? json(aWallSummary({ filter: { tags: ['docker', 'linux'], label: null } }))
        : undefined,
    );
    const app = renderApp(`/wall?display=${DISPLAY}&tags=linux,docker`);
    expect(await screen.findByRole('heading', { name: /Tag set docker, linux/ })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    const asked = requests.find((r) => r.url.pathname === '/api/v1/wall/summary')!;
    expect(asked.url.searchParams.get('tags')).toBe('docker,linux');
    expect(asked.url.searchParams.get('display')).toBe(DISPLAY);
    const socket = live.sockets.find((s) => s.url.includes('display='))!;
    act(() => socket.accept());
    expect(socket.topics).toEqual(['wall:tags=docker,linux']);
    app.unmount();
  });

  it('reads a label layout, and `layout=all` shows the whole fleet', () => {
    expect(wallFilterOf({ label: 'pool=gpu' })).toEqual({ tags: null, label: 'pool=gpu' });
    expect(wallFilterOf({ tags: ['linux', 'docker'], label: 'pool=gpu' })).toEqual({
      tags: ['docker', 'linux'],
      label: null,
    });
    expect(wallFilterOf({ layout: 'label', tags: ['x'], label: 'pool=gpu' })).toEqual({
      tags: null,
      label: 'pool=gpu',
    });
    expect(wallFilterOf({ layout: 'all', tags: ['x'] })).toEqual({ tags: null, label: null });
  });
});

describe('the heat grid', () => {
  it('fits every tile into the canvas', () => {
    for (const [count, width, height] of [
      [5_000, 1100, 600],
      [5_000, 2200, 1200],
      [3, 800, 400],
      [1, 10, 10],
    ] as const) {
      const { size, columns } = gridLayout(count, width, height);
      expect(columns * size).toBeLessThanOrEqual(width);
      expect(Math.ceil(count / columns) * size).toBeLessThanOrEqual(height);
      expect(size).toBeGreaterThan(0);
    }
    expect(gridLayout(5_000, 1100, 600).size).toBeGreaterThanOrEqual(10);
  });

  it('colours by load and draws 5,000 tiles with a few style changes', () => {
    expect(heatBucket(0, 4)).toBe(0);
    expect(heatBucket(1, 4)).toBe(2);
    expect(heatBucket(4, 4)).toBe(4);
    expect(heatBucket(2, 0)).toBe(4);
    const calls = { fillRect: 0, fillStyle: 0 };
    const ctx = {
      setTransform: () => {},
      clearRect: () => {},
      fillRect: () => (calls.fillRect += 1),
      strokeRect: () => {},
      beginPath: () => {},
      moveTo: () => {},
      lineTo: () => {},
      stroke: () => {},
      lineWidth: 1,
      strokeStyle: '',
      set fillStyle(_v: string) {
        calls.fillStyle += 1;
      },
    } as unknown as CanvasRenderingContext2D;
    const statuses = ['online', 'online', 'drifting', 'draining', 'offline', 'never'] as const;
    const tiles = Array.from(
      { length: 5_000 },
      (_, i) =>
        [
          `0190f1a2-0000-7000-8000-${String(i).padStart(12, '0')}`,
          `host-${i}`,
          statuses[i % statuses.length]!,
          i % 5,
          4,
        ] as const,
    );
    const started = performance.now();
    drawGrid(
      ctx,
      tiles.map((t) => [...t]),
      1800,
      900,
      2,
    );
    expect(performance.now() - started).toBeLessThan(100);
    expect(calls.fillStyle).toBeLessThanOrEqual(8);
    expect(calls.fillRect).toBeGreaterThan(4_000);
    expect(gridDescription(tiles.map((t) => [...t]))).toMatch(/^5,000 machines\./);
  });

  it('formats waits', () => {
    expect(formatWait(null)).toBe('—');
    expect(formatWait(42)).toBe('42 s');
    expect(formatWait(1_260)).toBe('21 min');
    expect(formatWait(3 * 3600 + 5 * 60)).toBe('3 h 05 min');
  });
});
