import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiToken } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';

const TOKEN = 'pdt_Secret0123456789abcdefghijkl';

function aToken(overrides: Partial<ApiToken> = {}): ApiToken {
  return ApiToken.parse({
    id: '0190f1a2-0000-7000-8000-000000000a01',
    name: 'grafana',
    prefix: 'pdt_Abc1',
    scope: 'read',
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    active: true,
    ...overrides,
  });
}

function serve(initial: ApiToken[]) {
  let tokens = initial;
  return stubFetch(({ url, method, body }) => {
    if (url.pathname === '/api/v1/api-tokens' && method === 'GET') return json({ items: tokens });
    if (url.pathname === '/api/v1/api-tokens' && method === 'POST') {
      const sent = body as { name: string; scope: 'read' | 'write'; expiresAt: string | null };
      const created = aToken({ id: '0190f1a2-0000-7000-8000-000000000a02', prefix: 'pdt_Secr', ...sent });
      tokens = [created, ...tokens];
      return json({ ...created, token: TOKEN }, 201);
    }
    const one = url.pathname.match(/^\/api\/v1\/api-tokens\/(.+)$/);
    if (one && method === 'DELETE') {
      tokens = tokens.map((t) =>
        t.id === one[1] ? { ...t, active: false, revokedAt: '2025-02-01T10:00:00.000Z' } : t,
      );
      return new Response(null, { status: 204 });
    }
    return undefined;
  });
}

describe('ApiTokensPage', () => {
  it('creates a token with a scope and an expiry day, and shows it once with a request to try', async () => {
    const { requests } = serve([]);
    renderApp('/settings/api-tokens');
    const form = await screen.findByRole('form', { name: 'Create an API token' });

    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'deploy script' } });
    fireEvent.click(within(form).getByRole('radio', { name: /Read and write/ }));
    fireEvent.change(within(form).getByLabelText('Expires (optional)'), { target: { value: '2099-06-30' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create API token' }));

    expect(await screen.findByLabelText('API token')).toBeTruthy();
    expect(screen.getByLabelText('API token').textContent).toBe(TOKEN);
    expect(screen.getByLabelText('Example request').textContent).toBe(
      `curl -H "Authorization: Bearer ${TOKEN}" ${window.location.origin}/api/v1/machines`,
    );
    const sent = requests.find((r) => r.method === 'POST')!.body as { expiresAt: string };
    expect(sent).toMatchObject({ name: 'deploy script', scope: 'write' });
    // The end of the chosen day, where the browser is.
    expect(new Date(sent.expiresAt).getDate()).toBe(30);
    expect(new Date(sent.expiresAt).getHours()).toBe(23);

    const table = await screen.findByRole('table', { name: 'API tokens' });
    expect(within(table).getByRole('rowheader', { name: 'deploy script' })).toBeTruthy();
    expect(table.textContent).not.toContain(TOKEN);
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(document.body.textContent).not.toContain(TOKEN);
  });

  it('refuses an expiry day in the past before sending', async () => {
    const { requests } = serve([]);
    renderApp('/settings/api-tokens');
    const form = await screen.findByRole('form', { name: 'Create an API token' });

    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'old' } });
    fireEvent.change(within(form).getByLabelText('Expires (optional)'), { target: { value: '2001-01-01' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create API token' }));

    expect(await within(form).findByText('must be a day in the future')).toBeTruthy();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('lists tokens with prefix, scope and use, and revokes one after confirmation', async () => {
    const token = aToken({ lastUsedAt: new Date().toISOString() });
    const { requests } = serve([token]);
    renderApp('/settings/api-tokens');

    const table = await screen.findByRole('table', { name: 'API tokens' });
    const row = within(table).getByRole('rowheader', { name: 'grafana' }).closest('tr')!;
    expect(within(row).getByText('pdt_Abc1…')).toBeTruthy();
    expect(within(row).getByText('Read')).toBeTruthy();
    expect(within(row).getByText('never')).toBeTruthy();
    expect(within(row).getByText('just now')).toBeTruthy();
    expect(within(row).getByText('Active')).toBeTruthy();

    fireEvent.click(within(row).getByRole('button', { name: 'Revoke grafana' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke grafana?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke token' }));

    await waitFor(() => expect(within(row).getByText('Revoked')).toBeTruthy());
    expect(requests.find((r) => r.method === 'DELETE')?.url.pathname).toBe(`/api/v1/api-tokens/${token.id}`);
  });
});
