import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aMachine } from '../testing';

const page = (items: unknown[], total = items.length, nextCursor: string | null = null) => ({
  items,
  nextCursor,
  total,
});

describe('MachinesPage', () => {
  it('lists machines from the API with their status, labels and a link to each', async () => {
    const web = aMachine({ hostname: 'web-runner-01', labels: { region: 'eu', gpu: '' }, runnerCount: 3 });
    const old = aMachine({
      hostname: 'old-box',
      connectionState: 'offline',
      drifting: true,
      drainingSince: '2025-01-02T00:00:00.000Z',
      revisionState: 'failed',
    });
    const { requests } = stubFetch(({ url }) =>
      url.pathname === '/api/v1/machines' ? json(page([web, old], 2)) : undefined,
    );

    renderApp('/machines');

    expect(await screen.findByRole('heading', { level: 1, name: 'Machines' })).toBeTruthy();
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3); // header + 2 machines

    const first = rows[1]!;
    const link = within(first).getByRole('link', { name: 'web-runner-01' });
    expect(link.getAttribute('href')).toBe(`/machines/${web.id}`);
    expect(within(first).getByText(web.systemId!)).toBeTruthy();
    expect(within(first).getByText('Online')).toBeTruthy();
    expect(within(first).getByText('Config in sync')).toBeTruthy();
    expect(within(first).getByText('region=eu')).toBeTruthy();
    expect(within(first).getByText('gpu')).toBeTruthy();
    expect(within(first).getByText('3')).toBeTruthy();

    const second = rows[2]!;
    expect(within(second).getByText('Offline')).toBeTruthy();
    expect(within(second).getByText('Draining')).toBeTruthy();
    expect(within(second).getByText('Drifting')).toBeTruthy();
    expect(within(second).getByText('Apply failed')).toBeTruthy();

    const listRequest = requests.find((r) => r.url.pathname === '/api/v1/machines');
    expect(listRequest?.url.searchParams.get('sort')).toBe('hostname');
    expect(listRequest?.url.searchParams.get('limit')).toBe('50');
    expect(document.title).toBe('Machines · Paddock');
    expect(screen.getByRole('link', { name: 'Machines' }).getAttribute('aria-current')).toBe('page');
  });

  it('tells a new user how machines get here when there are none', async () => {
    stubFetch(({ url }) => (url.pathname === '/api/v1/machines' ? json(page([], 0)) : undefined));

    renderApp('/machines');

    expect(await screen.findByRole('heading', { name: 'No machines yet' })).toBeTruthy();
    expect(
      screen.getByText(
        'Machines appear here when the Paddock agent is installed and enrolled on a runner host.',
      ),
    ).toBeTruthy();
    expect(screen.getByText(/paddock-agent enroll --server/)).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();

    // The empty state leads to the enrollment form.
    fireEvent.click(screen.getByRole('button', { name: 'Add your first machine' }));
    expect(await screen.findByRole('region', { name: 'Add a machine' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add a machine' }).getAttribute('aria-expanded')).toBe('true');
    expect(screen.queryByRole('button', { name: 'Add your first machine' })).toBeNull();
  });

  it('sends the filters from the URL and offers to clear them when nothing matches', async () => {
    const { requests } = stubFetch(({ url }) =>
      url.pathname === '/api/v1/machines' ? json(page([], 0)) : undefined,
    );

    renderApp('/machines?status=offline&status=drifting&q=db');

    expect(await screen.findByRole('heading', { name: 'No machines match these filters' })).toBeTruthy();
    const sent = requests.find((r) => r.url.pathname === '/api/v1/machines')!;
    expect(sent.url.searchParams.getAll('status')).toEqual(['offline', 'drifting']);
    expect(sent.url.searchParams.get('q')).toBe('db');
    expect((screen.getByRole('checkbox', { name: 'Offline' }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole('searchbox', { name: 'Search' }) as HTMLInputElement).value).toBe('db');
  });

  it('puts a ticked status into the URL and asks the API again', async () => {
    const { requests } = stubFetch(({ url }) =>
      url.pathname === '/api/v1/machines' ? json(page([aMachine({ hostname: 'a' })], 1)) : undefined,
    );
    const { router } = renderApp('/machines');
    await screen.findByRole('link', { name: 'a' });

    fireEvent.click(screen.getByRole('checkbox', { name: 'Online' }));

    await screen.findByRole('link', { name: 'a' });
    await waitFor(() => expect(router.state.location.searchStr).toBe('?status=online'));
    await waitFor(() =>
      expect(requests.some((r) => r.url.searchParams.get('status') === 'online')).toBe(true),
    );
  });

  it('shows the problem and retries when the API fails', async () => {
    let fail = true;
    stubFetch(({ url }) => {
      if (url.pathname !== '/api/v1/machines') return undefined;
      if (fail) {
        return json(
          {
            type: 'urn:paddock:problem:internal',
            title: 'Internal server error',
            status: 500,
            code: 'internal',
            requestId: 'req-9',
          },
          500,
        );
      }
      return json(page([aMachine({ hostname: 'back-again' })], 1));
    });

    renderApp('/machines');

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Internal server error')).toBeTruthy();
    expect(within(alert).getByText('req-9')).toBeTruthy();
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: 'back-again' })).toBeTruthy();
  });
});
