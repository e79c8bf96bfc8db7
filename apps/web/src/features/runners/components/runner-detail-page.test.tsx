import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aRunnerDetail, anAssignment } from '../testing';
import { tokenExpiry } from './runner-token-card';

const DAY = 86_400_000;
const MACHINE = '0190f1a2-0000-7000-8000-00000000d001';

function aRunner(overrides: Parameters<typeof aRunnerDetail>[0] = {}) {
  return aRunnerDetail({
    assignments: [anAssignment({ machineId: MACHINE, hostname: 'build-1', systemId: 's_000000000001' })],
    managers: [
      {
        systemId: 's_000000000001',
        gitlabManagerId: 3,
        version: '18.2.0',
        platform: 'linux',
        architecture: 'amd64',
        ipAddress: '10.0.0.5',
        status: 'online',
        contactedAt: new Date(Date.now() - 60_000).toISOString(),
        machine: { id: MACHINE, hostname: 'build-1' },
      },
      {
        systemId: 'r_abcdefabcdef',
        gitlabManagerId: 4,
        version: null,
        platform: null,
        architecture: null,
        ipAddress: null,
        status: 'stale',
        contactedAt: null,
        machine: null,
      },
    ],
    ...overrides,
  });
}

describe('RunnerDetailPage', () => {
  it('shows managers and the token with an expiry warning, pauses, rotates after confirming and deletes', async () => {
    let runner = aRunner({
      token: {
        last4: 'zz99',
        obtainedAt: '2025-01-01T00:00:00.000Z',
        expiresAt: new Date(Date.now() + 5 * DAY).toISOString(),
        rotatedAt: null,
        limitMode: 'per_machine',
        limitValue: 4,
        requestConcurrency: null,
      },
    });
    const { requests } = stubFetch(({ url, method }) => {
      const base = `/api/v1/runners/${runner.id}`;
      if (url.pathname === base && method === 'GET') return json(runner);
      if (url.pathname === `${base}/pause` && method === 'POST') {
        runner = { ...runner, paused: true };
        return json(runner);
      }
      if (url.pathname === `${base}/rotate-token` && method === 'POST') {
        runner = { ...runner, token: { ...runner.token!, last4: 'new1', expiresAt: null } };
        return json({ runner, rolloutId: '0190f1a2-0000-7000-8000-00000000e001' });
      }
      if (url.pathname === base && method === 'DELETE') return new Response(null, { status: 204 });
      if (url.pathname === '/api/v1/runners') return json({ items: [], nextCursor: null, total: 0 });
      if (url.pathname === '/api/v1/gitlab-instances') return json({ items: [] });
      if (url.pathname === '/api/v1/tags') return json({ items: [] });
      return undefined;
    });
    const { router } = renderApp(`/runners/${aRunner().id}`);

    expect(await screen.findByRole('heading', { name: 'docker-builders' })).toBeTruthy();
    const managers = screen.getByRole('region', { name: 'Runner managers' });
    const rows = within(managers).getAllByRole('row').slice(1);
    expect(within(rows[0]!).getByRole('link', { name: 'build-1' }).getAttribute('href')).toBe(
      `/machines/${MACHINE}`,
    );
    expect(within(rows[1]!).getByText('not a Paddock machine')).toBeTruthy();
    expect(within(rows[1]!).getByText('Stale')).toBeTruthy();
    expect(screen.getByText('Expires soon')).toBeTruthy();
    expect(screen.getByText('••••zz99')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect((await screen.findByText(/GitLab gives this runner no new jobs/)).textContent).toContain('Paused');
    expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Rotate token' }));
    const rotateDialog = screen.getByRole('dialog', { name: "Rotate this runner's token?" });
    expect(requests.some((r) => r.url.pathname.endsWith('/rotate-token'))).toBe(false);
    fireEvent.click(within(rotateDialog).getByRole('button', { name: 'Rotate token' }));
    expect((await screen.findByText(/Token rotated/)).textContent).toContain(
      'it now ends in new1. The new token is on its way to 1 machine.',
    );
    expect(await screen.findByText('••••new1')).toBeTruthy();
    expect(screen.queryByText('Expires soon')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Delete runner' }));
    const deleteDialog = screen.getByRole('dialog', { name: 'Delete docker-builders?' });
    fireEvent.click(within(deleteDialog).getByRole('button', { name: 'Delete runner' }));
    expect(await screen.findByRole('heading', { name: 'Runners' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/runners');
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('shows why an action failed, and keeps the dialog open with the reason', async () => {
    const runner = aRunner();
    stubFetch(({ url, method }) => {
      if (url.pathname === `/api/v1/runners/${runner.id}` && method === 'GET') return json(runner);
      if (url.pathname.endsWith('/pause'))
        return json(
          { type: 'x', title: 'GitLab is unreachable', status: 502, code: 'gitlab_unreachable' },
          502,
        );
      if (method === 'DELETE')
        return json(
          { type: 'x', title: 'GitLab is unreachable', status: 502, code: 'gitlab_unreachable' },
          502,
        );
      return undefined;
    });
    renderApp(`/runners/${runner.id}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Pause' }));
    expect((await screen.findByText('Failed.')).closest('[role="alert"]')!.textContent).toContain(
      'Could not pause: GitLab is unreachable',
    );

    fireEvent.click(screen.getByRole('button', { name: 'Delete runner' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete docker-builders?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete runner' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('Could not delete');
  });
});

describe('tokenExpiry', () => {
  it('warns 30 days ahead', () => {
    const now = Date.UTC(2025, 0, 1);
    expect(tokenExpiry(null, now)).toBe('never');
    expect(tokenExpiry(new Date(now + 31 * DAY).toISOString(), now)).toBe('valid');
    expect(tokenExpiry(new Date(now + 29 * DAY).toISOString(), now)).toBe('expiring');
    expect(tokenExpiry(new Date(now - 1).toISOString(), now)).toBe('expired');
  });
});

describe('adopting an imported runner', () => {
  it('asks where and how it runs, warns about the token, and sends the adoption after confirming', async () => {
    const { aMachine } = await import('../../machines/testing');
    let runner = aRunner({ source: 'imported', token: null, assignments: [], managers: [] });
    const { requests } = stubFetch(({ url, method }) => {
      const base = `/api/v1/runners/${runner.id}`;
      if (url.pathname === base && method === 'GET') return json(runner);
      if (url.pathname === `${base}/adopt` && method === 'POST') {
        runner = { ...runner, source: 'managed', token: { ...aRunnerDetail().token!, last4: 'ad0p' } };
        return json({ runner, rolloutId: '0190f1a2-0000-7000-8000-00000000e002' });
      }
      if (url.pathname === '/api/v1/machines')
        return json({ items: [aMachine({ id: MACHINE, hostname: 'build-1' })], nextCursor: null, total: 1 });
      if (url.pathname === '/api/v1/runners') return json({ items: [], nextCursor: null, total: 0 });
      return undefined;
    });
    renderApp(`/runners/${runner.id}`);
    const card = await screen.findByRole('region', { name: 'Adopt this runner' });

    // Nothing chosen: the form says so and sends nothing.
    fireEvent.click(within(card).getByRole('button', { name: 'Adopt runner' }));
    expect(await within(card).findByText('give either ids or labels', { exact: false })).toBeTruthy();
    expect(requests.some((r) => r.url.pathname.endsWith('/adopt'))).toBe(false);

    fireEvent.click(await within(card).findByRole('checkbox', { name: 'build-1' }));
    fireEvent.change(within(card).getByLabelText('Job limit per machine'), { target: { value: '2' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Adopt runner' }));
    const dialog = await screen.findByRole('dialog', { name: 'Adopt this runner?' });
    expect(dialog.textContent).toContain('stop taking its jobs');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reset its token and adopt' }));

    const sent = await waitForRequest(requests, '/adopt');
    expect(sent).toEqual({
      executor: { name: 'shell', settings: {} },
      limits: { limitMode: 'per_machine', limit: 2, requestConcurrency: null },
      machines: { ids: [MACHINE] },
    });
    // Adopted: the card gives way to the token and its limit editor.
    expect(await screen.findByText(/ad0p/)).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Adopt this runner' })).toBeNull();
  });
});

async function waitForRequest(
  requests: Array<{ url: URL; method: string; body?: unknown }>,
  suffix: string,
): Promise<unknown> {
  for (let i = 0; i < 100; i++) {
    const found = requests.find((r) => r.method === 'POST' && r.url.pathname.endsWith(suffix));
    if (found) return found.body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no POST …${suffix}`);
}
