import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DisplayToken } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';

const WALL_PATH = '/wall?display=pdw_Wall0123456789abcdefghijkl';

function aDisplayToken(overrides: Partial<DisplayToken> = {}): DisplayToken {
  return DisplayToken.parse({
    id: '0190f1a2-0000-7000-8000-000000000d01',
    name: 'ops room TV',
    prefix: 'pdw_Wall',
    lastUsedAt: null,
    revokedAt: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    active: true,
    ...overrides,
  });
}

describe('DisplayTokensPage', () => {
  it('creates a token and shows the full wall link once; revokes after confirmation', async () => {
    let tokens: DisplayToken[] = [aDisplayToken({ lastUsedAt: new Date().toISOString() })];
    const { requests } = stubFetch(({ url, method, body }) => {
      if (url.pathname === '/api/v1/display-tokens' && method === 'GET') return json({ items: tokens });
      if (url.pathname === '/api/v1/display-tokens' && method === 'POST') {
        const created = aDisplayToken({
          id: '0190f1a2-0000-7000-8000-000000000d02',
          name: (body as { name: string }).name,
        });
        tokens = [...tokens, created];
        return json({ ...created, token: 'pdw_Wall0123456789abcdefghijkl', wallPath: WALL_PATH }, 201);
      }
      if (url.pathname.startsWith('/api/v1/display-tokens/') && method === 'DELETE') {
        tokens = tokens.map((t) => ({ ...t, active: false, revokedAt: '2025-02-01T10:00:00.000Z' }));
        return new Response(null, { status: 204 });
      }
      return undefined;
    });
    renderApp('/settings/display-tokens');

    const table = await screen.findByRole('table', { name: 'Display tokens' });
    const row = within(table).getByRole('rowheader', { name: 'ops room TV' }).closest('tr')!;
    expect(within(row).getByText('just now')).toBeTruthy();

    const form = screen.getByRole('form', { name: 'Create a display token' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'lobby' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create display token' }));

    const link = await screen.findByLabelText('Wall screen link');
    expect(link.textContent).toBe(`${window.location.origin}${WALL_PATH}`);
    expect(screen.getByRole('button', { name: 'Copy wall link' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));

    fireEvent.click(within(row).getByRole('button', { name: 'Revoke ops room TV' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke ops room TV?' });
    expect(within(dialog).getByText(/go blank at once/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
    await waitFor(() => expect(within(row).getByText('Revoked')).toBeTruthy());
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });
});
