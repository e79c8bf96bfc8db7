import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aSessionAs } from '../../auth/testing';
import { isoToLocalInput } from '../local-datetime';
import { anAuditEvent } from '../testing';

const auditRequests = (requests: { url: URL }[]) =>
  requests.filter((r) => r.url.pathname === '/api/v1/audit-events');

describe('AuditPage', () => {
  it('puts the filters in the URL and sends them as the query, from the first page', async () => {
    const { requests } = stubFetch(({ url }) =>
      url.pathname === '/api/v1/audit-events'
        ? json({ items: [anAuditEvent()], nextCursor: 'c2', total: 51 })
        : undefined,
    );
    const { router } = renderApp('/settings/audit?cursor=c9');

    const filters = await screen.findByRole('region', { name: 'Filters' });
    await waitFor(() => expect(auditRequests(requests)).toHaveLength(1));
    expect(auditRequests(requests)[0]!.url.search).toBe('?limit=50&cursor=c9');

    const from = '2025-01-01T00:00:00.000Z';
    const to = '2025-01-31T12:30:00.000Z';
    fireEvent.change(within(filters).getByLabelText('Actor type'), { target: { value: 'api_token' } });
    fireEvent.change(within(filters).getByLabelText('Actor'), { target: { value: ' ada@example.com ' } });
    fireEvent.change(within(filters).getByLabelText('Action'), { target: { value: 'runner.' } });
    fireEvent.change(within(filters).getByLabelText('Target type'), { target: { value: 'runner' } });
    fireEvent.change(within(filters).getByLabelText('Target ID'), { target: { value: 'r-1' } });
    fireEvent.change(within(filters).getByLabelText('From'), { target: { value: isoToLocalInput(from) } });
    fireEvent.change(within(filters).getByLabelText('To'), { target: { value: isoToLocalInput(to) } });
    fireEvent.click(within(filters).getByRole('button', { name: 'Apply filters' }));

    await waitFor(() => expect(auditRequests(requests)).toHaveLength(2));
    const sent = auditRequests(requests)[1]!.url.searchParams;
    expect(Object.fromEntries(sent)).toEqual({
      actorType: 'api_token',
      actor: 'ada@example.com',
      action: 'runner.',
      targetType: 'runner',
      targetId: 'r-1',
      from,
      to,
      limit: '50',
    });
    // The same filters in the address, so the view can be shared; the old cursor is gone.
    expect(router.state.location.search).toEqual({
      actorType: 'api_token',
      actor: 'ada@example.com',
      action: 'runner.',
      targetType: 'runner',
      targetId: 'r-1',
      from,
      to,
    });

    // The next page keeps the filters and adds the cursor.
    fireEvent.click(await screen.findByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(auditRequests(requests)).toHaveLength(3));
    expect(auditRequests(requests)[2]!.url.searchParams.get('cursor')).toBe('c2');
    expect(auditRequests(requests)[2]!.url.searchParams.get('action')).toBe('runner.');

    fireEvent.click(within(filters).getByRole('button', { name: 'Clear' }));
    await waitFor(() => expect(router.state.location.search).toEqual({}));
    expect(auditRequests(requests).at(-1)!.url.search).toBe('?limit=50');
  });

  it('refuses filters the API would refuse, and says which', async () => {
    const { requests } = stubFetch(({ url }) =>
      url.pathname === '/api/v1/audit-events' ? json({ items: [], nextCursor: null, total: 0 }) : undefined,
    );
    renderApp('/settings/audit');
    const filters = await screen.findByRole('region', { name: 'Filters' });
    await waitFor(() => expect(auditRequests(requests)).toHaveLength(1));

    fireEvent.change(within(filters).getByLabelText('Action'), { target: { value: 'Runner Update' } });
    fireEvent.change(within(filters).getByLabelText('From'), { target: { value: '2025-02-01T00:00' } });
    fireEvent.change(within(filters).getByLabelText('To'), { target: { value: '2025-01-01T00:00' } });
    fireEvent.click(within(filters).getByRole('button', { name: 'Apply filters' }));

    expect(await within(filters).findByText(/must be an action name/)).toBeTruthy();
    expect(within(filters).getByText('must be after “From”')).toBeTruthy();
    expect(within(filters).getByLabelText('Action').getAttribute('aria-invalid')).toBe('true');
    expect(auditRequests(requests)).toHaveLength(1);
  });

  it('shows who did what, and the change as a readable diff', async () => {
    stubFetch(({ url }) =>
      url.pathname === '/api/v1/audit-events'
        ? json({
            items: [
              anAuditEvent({
                actorType: 'api_token',
                actorLabel: 'deploy script',
                action: 'runner.update',
                before: { paused: false, tags: ['linux'] },
                after: { paused: true, tags: ['linux', 'gpu'] },
              }),
            ],
            nextCursor: null,
            total: 1,
          })
        : undefined,
    );
    renderApp('/settings/audit');

    const table = await screen.findByRole('table', { name: 'Audit events' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(within(row).getByText('deploy script')).toBeTruthy();
    expect(within(row).getByText('API token')).toBeTruthy();
    expect(within(row).getByText('runner.update')).toBeTruthy();
    expect(within(row).getByText('2 changes', { exact: false })).toBeTruthy();
    const changes = within(row)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(changes).toEqual(['paused (changed): false → becomes true', 'tags.1 (added): gpu']);
    expect(within(row).getByLabelText('After, as JSON').textContent).toContain('"gpu"');
  });

  it('is not offered to viewers', async () => {
    const { requests } = stubFetch(({ url }) =>
      url.pathname === '/api/v1/auth/session' ? json(aSessionAs('viewer')) : undefined,
    );
    renderApp('/settings/audit');

    expect(await screen.findByRole('heading', { name: 'This page needs the operator role' })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Settings' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Your account', 'API tokens']);
    expect(auditRequests(requests)).toHaveLength(0);
  });
});
