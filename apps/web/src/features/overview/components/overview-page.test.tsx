import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { FleetTrends } from '@paddock/contracts';
import { describe, expect, it } from 'vitest';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aWallSummary } from '../../wall/testing';
import { formatSeconds } from './fleet-trends';

const START = Date.UTC(2026, 10, 23, 10, 0);
const at = (i: number, bucketSeconds = 60) => new Date(START + i * bucketSeconds * 1000).toISOString();

function trends(range: 'hour' | 'day'): FleetTrends {
  const bucket = range === 'hour' ? 60 : 900;
  const n = range === 'hour' ? 60 : 96;
  const idx = Array.from({ length: n }, (_, i) => i);
  return {
    range,
    bucketSeconds: bucket,
    from: at(0, bucket),
    to: at(n, bucket),
    capacity: idx.map((i) => ({
      at: at(i, bucket),
      running: i < 50 ? null : i % 5,
      limit: i < 50 ? null : 12,
    })),
    queues: [
      {
        tagSetKey: 'docker,linux',
        tags: ['docker', 'linux'],
        points: idx.map((i) => ({
          at: at(i, bucket),
          pending: i === n - 1 ? 7 : 1,
          oldestWaitSeconds: 300,
          waitP50Seconds: 30,
          waitP95Seconds: 240,
        })),
      },
      {
        tagSetKey: '',
        tags: [],
        points: idx.map((i) => ({
          at: at(i, bucket),
          pending: null,
          oldestWaitSeconds: null,
          waitP50Seconds: null,
          waitP95Seconds: null,
        })),
      },
    ],
    machines: {
      total: 10,
      byStatus: [
        { status: 'online', count: 7 },
        { status: 'offline', count: 2 },
        { status: 'never_connected', count: 1 },
        { status: 'draining', count: 1 },
        { status: 'drifting', count: 0 },
        { status: 'applying', count: 0 },
        { status: 'failed', count: 0 },
        { status: 'under_pressure', count: 0 },
      ],
    },
    sampledAt: at(n - 1, bucket),
  };
}

const page = (total: number) => ({ items: [], nextCursor: null, total });

function stubOverview() {
  return stubFetch(({ url }) => {
    if (url.pathname === '/api/v1/fleet/trends')
      return json(trends(url.searchParams.get('range') === 'day' ? 'day' : 'hour'));
    if (url.pathname === '/api/v1/wall/summary') return json(aWallSummary());
    if (url.pathname === '/api/v1/runners') return json(page(3));
    if (url.pathname === '/api/v1/gitlab-instances') return json({ items: [] });
    return undefined;
  });
}

describe('overview fleet health', () => {
  it('shows what the wall shows, each figure linking to its list', async () => {
    const { requests } = stubOverview();
    renderApp('/');
    const section = await screen.findByRole('region', { name: 'Fleet health' });
    const machines = within(section).getByRole('list', { name: 'Machines' });
    await waitFor(() => expect(within(machines).getAllByRole('listitem')[0]?.textContent).toContain('2of 4'));
    const href = (name: RegExp) => within(section).getByRole('link', { name }).getAttribute('href');
    expect(href(/online machines/)).toBe('/machines?status=online');
    expect(href(/offline machines/)).toBe('/machines?status=offline&status=never_connected');
    expect(href(/under pressure/)).toBe('/machines?status=under_pressure');
    const jobs = within(section).getByRole('list', { name: 'Jobs' });
    expect(within(jobs).getAllByRole('listitem')[2]?.textContent).toContain('38 %');
    // the longest waits and the tag sets nobody can take lead to those jobs
    const windows = within(section).getAllByRole('link', { name: 'windows' });
    expect(windows[0]?.getAttribute('href')).toBe('/jobs?tagSet=windows');
    expect(within(section).getByText(/no online runner has these tags/)).toBeTruthy();
    // the page reads the summary with its session, not a display token
    const read = requests.find((r) => r.url.pathname === '/api/v1/wall/summary');
    expect(read?.url.searchParams.has('display')).toBe(false);
  });

  it('follows pushed summaries and new samples without reloading', async () => {
    const { requests } = stubOverview();
    const { live } = renderApp('/');
    const section = await screen.findByRole('region', { name: 'Fleet health' });
    await waitFor(() =>
      expect(within(section).getAllByRole('link', { name: 'windows' })).not.toHaveLength(0),
    );
    const socket = live.latest();
    act(() => socket.accept());
    await waitFor(() => expect(socket.topics).toEqual(expect.arrayContaining(['wall', 'fleet'])));

    const pushed = aWallSummary();
    pushed.machines.online = 3;
    pushed.machines.underPressure = 1;
    act(() => socket.receive({ type: 'wall', topic: 'wall', summary: pushed }));
    const machines = within(section).getByRole('list', { name: 'Machines' });
    await waitFor(() => expect(within(machines).getAllByRole('listitem')[0]?.textContent).toContain('3of 4'));
    expect(within(machines).getAllByRole('listitem')[4]?.textContent).toContain('1');
    // a wall topic of another filter is not this page's
    act(() =>
      socket.receive({
        type: 'wall',
        topic: 'wall:label=pool=gpu',
        summary: { ...pushed, filter: { tags: null, label: 'pool=gpu' } },
      }),
    );
    expect(within(machines).getAllByRole('listitem')[0]?.textContent).toContain('3of 4');

    const trendReads = () => requests.filter((r) => r.url.pathname === '/api/v1/fleet/trends').length;
    await waitFor(() => expect(trendReads()).toBeGreaterThan(0));
    const before = trendReads();
    act(() => socket.receive({ type: 'fleetSampled', at: new Date().toISOString() }));
    await waitFor(() => expect(trendReads()).toBe(before + 1));
  });
});

describe('overview trends', () => {
  it('charts running against capacity, machines by status and queue waits, each figure linking to its list', async () => {
    const { requests } = stubOverview();
    renderApp('/');
    const section = await screen.findByRole('region', { name: 'Trends' });
    const capacity = await within(section).findByRole('img', { name: /Running jobs against capacity/ });
    expect(capacity.querySelector('desc')?.textContent).toMatch(/last hour/);
    expect(
      requests.some(
        (r) => r.url.pathname === '/api/v1/fleet/trends' && r.url.searchParams.get('range') === 'hour',
      ),
    ).toBe(true);

    // the newest figures, linking to the lists behind them
    const slots = within(section).getByRole('link', { name: /12 slots on online machines/ });
    expect(slots.getAttribute('href')).toBe('/machines?status=online');
    expect(
      within(section)
        .getByRole('link', { name: /4 running/ })
        .getAttribute('href'),
    ).toBe('/jobs');

    const statuses = within(section).getByRole('list', { name: 'Machines by status' });
    const offline = within(statuses).getByRole('link', { name: 'Offline' });
    expect(offline.getAttribute('href')).toBe('/machines?status=offline');
    expect(within(statuses).getAllByRole('listitem')[0]?.textContent).toBe('Online7');

    const queue = within(section).getByRole('img', { name: /^Queue wait for docker, linux/ });
    expect(queue).toBeTruthy();
    const pending = within(section).getByRole('link', { name: /7 pending/ });
    expect(new URL(pending.getAttribute('href')!, 'http://x').searchParams.get('tagSet')).toBe(
      'docker,linux',
    );
    within(section).getByRole('img', { name: /^Queue wait for untagged jobs/ });

    // the hidden table carries the numbers of the capacity chart
    const table = within(section).getByRole('table', { name: 'Running jobs against capacity' });
    expect(within(table).getAllByRole('row')).toHaveLength(61);
  });

  it('switches to the last day', async () => {
    const { requests } = stubOverview();
    renderApp('/');
    const section = await screen.findByRole('region', { name: 'Trends' });
    await within(section).findByRole('img', { name: /Running jobs against capacity/ });
    fireEvent.click(within(section).getByRole('button', { name: 'Last day' }));
    await waitFor(() =>
      expect(
        within(section)
          .getByRole('img', { name: /Running jobs against capacity/ })
          .querySelector('desc')?.textContent,
      ).toMatch(/last day/),
    );
    expect(requests.some((r) => r.url.searchParams.get('range') === 'day')).toBe(true);
    expect(within(section).getByRole('button', { name: 'Last day' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
  });
});

describe('formatSeconds', () => {
  it('reads as a person would say it', () => {
    expect(formatSeconds(45)).toBe('45 s');
    expect(formatSeconds(720)).toBe('12 min');
    expect(formatSeconds(7500)).toBe('2 h 5 min');
    expect(formatSeconds(7200)).toBe('2 h');
  });
});
