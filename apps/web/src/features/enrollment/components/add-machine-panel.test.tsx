import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { EnrollmentToken } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import type { RecordedRequest } from '../../../lib/testing';
import { aCreatedEnrollmentToken, anEnrollmentToken } from '../testing';

const TOKEN = 'pde_Secret0123456789abcdefghij';

function serve(initial: EnrollmentToken[], onPost?: (request: RecordedRequest) => Response) {
  let tokens = initial;
  return stubFetch((request) => {
    const { url, method } = request;
    if (url.pathname === '/api/v1/machines') return json({ items: [], nextCursor: null, total: 0 });
    if (url.pathname === '/api/v1/enrollment-tokens' && method === 'GET') return json({ items: tokens });
    if (url.pathname === '/api/v1/enrollment-tokens' && method === 'POST') {
      if (onPost) return onPost(request);
      const body = request.body as { name: string; maxUses: number | null; expiresAt: string | null };
      const created = aCreatedEnrollmentToken({ ...body, token: TOKEN });
      const { token: _secret, ...listed } = created;
      tokens = [listed, ...tokens];
      return json(created, 201);
    }
    const revoke = url.pathname.match(/^\/api\/v1\/enrollment-tokens\/(.+)$/);
    if (revoke && method === 'DELETE') {
      tokens = tokens.map((t) =>
        t.id === revoke[1] ? { ...t, active: false, revokedAt: new Date().toISOString() } : t,
      );
      return new Response(null, { status: 204 });
    }
    return undefined;
  });
}

async function openPanel() {
  renderApp('/machines');
  const button = await screen.findByRole('button', { name: 'Add a machine' });
  expect(button.getAttribute('aria-expanded')).toBe('false');
  fireEvent.click(button);
  expect(button.getAttribute('aria-expanded')).toBe('true');
  return screen.getByRole('region', { name: 'Add a machine' });
}

describe('Add a machine', () => {
  it('creates an enrollment token and shows it once, with the commands for this server', async () => {
    const { requests } = serve([]);
    const panel = await openPanel();

    // The panel opens on the name, so the keyboard flow starts there.
    expect(document.activeElement).toBe(within(panel).getByLabelText('Name'));
    fireEvent.change(within(panel).getByLabelText('Name'), { target: { value: 'eu-west hosts' } });
    fireEvent.change(within(panel).getByLabelText('Uses'), { target: { value: '5' } });
    fireEvent.change(within(panel).getByLabelText('Expires after'), { target: { value: '7d' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Add label' }));
    fireEvent.change(within(panel).getByRole('textbox', { name: 'Key' }), { target: { value: 'region' } });
    fireEvent.change(within(panel).getByRole('textbox', { name: 'Value' }), { target: { value: 'eu-west' } });
    const before = Date.now();
    fireEvent.click(within(panel).getByRole('button', { name: 'Create enrollment token' }));

    const heading = await within(panel).findByRole('heading', {
      name: 'Enrollment token “eu-west hosts” created',
    });
    expect(document.activeElement).toBe(heading);
    const post = requests.find((r) => r.method === 'POST')!;
    const body = post.body as { name: string; maxUses: number; expiresAt: string; labels: object };
    expect(body).toMatchObject({ name: 'eu-west hosts', maxUses: 5, labels: { region: 'eu-west' } });
    const week = 7 * 24 * 3600_000;
    expect(Date.parse(body.expiresAt) - before).toBeGreaterThanOrEqual(week - 1_000);
    expect(Date.parse(body.expiresAt) - before).toBeLessThanOrEqual(week + 60_000);

    expect(within(panel).getByLabelText('Enrollment token').textContent).toBe(TOKEN);
    expect(within(panel).getByText(/Paddock keeps only a hash of it and cannot show it again/)).toBeTruthy();
    const commands = within(panel).getByLabelText('Commands to run on the host').textContent;
    expect(commands).toBe(
      `paddock-agent enroll --server ${window.location.origin} --token ${TOKEN}\n` +
        'paddock-agent run --config /etc/gitlab-runner/config.toml',
    );

    // The list shows the new token without its secret.
    const list = await within(panel).findByRole('table', { name: 'Enrollment tokens' });
    const row = within(list).getByRole('rowheader', { name: 'eu-west hosts' }).closest('tr')!;
    expect(within(row).getByText('0 / 5')).toBeTruthy();
    expect(within(row).getByText('Active')).toBeTruthy();
    expect(within(row).getByText('region=eu-west')).toBeTruthy();
    expect(list.textContent).not.toContain(TOKEN);

    // Once dismissed, the token is gone from the page for good.
    fireEvent.click(within(panel).getByRole('button', { name: 'Done' }));
    expect(document.body.textContent).not.toContain(TOKEN);
  });

  it('copies the token to the clipboard', async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    serve([]);
    const panel = await openPanel();

    fireEvent.change(within(panel).getByLabelText('Name'), { target: { value: 'one host' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Create enrollment token' }));
    fireEvent.click(await within(panel).findByRole('button', { name: 'Copy token' }));

    expect(await within(panel).findByText('Copied the token.')).toBeTruthy();
    expect(writeText).toHaveBeenCalledWith(TOKEN);
  });

  it('checks the form before sending and shows server errors by their field', async () => {
    const { requests } = serve([], () =>
      json(
        {
          type: 'urn:paddock:problem:validation_failed',
          title: 'Validation failed',
          status: 400,
          code: 'validation_failed',
          errors: [{ path: 'body.name', message: 'a token with this name exists', code: 'duplicate' }],
        },
        400,
      ),
    );
    const panel = await openPanel();

    fireEvent.click(within(panel).getByRole('button', { name: 'Add label' }));
    fireEvent.change(within(panel).getByRole('textbox', { name: 'Key' }), { target: { value: 'Bad Key' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Create enrollment token' }));

    expect(within(panel).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(within(panel).getByText(/Keys are 1-63 characters/)).toBeTruthy();
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    fireEvent.click(within(panel).getByRole('button', { name: 'Remove label Bad Key' }));
    fireEvent.change(within(panel).getByLabelText('Name'), { target: { value: 'taken' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Create enrollment token' }));

    expect(await within(panel).findByText('a token with this name exists')).toBeTruthy();
    expect(within(panel).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect((requests.find((r) => r.method === 'POST')?.body as { expiresAt: unknown }).expiresAt).toEqual(
      expect.any(String),
    );
  });

  it('sends null for "Never" and for any number of uses', async () => {
    const { requests } = serve([]);
    const panel = await openPanel();

    fireEvent.change(within(panel).getByLabelText('Name'), { target: { value: 'fleet' } });
    fireEvent.click(within(panel).getByRole('checkbox', { name: 'Any number of machines' }));
    fireEvent.change(within(panel).getByLabelText('Expires after'), { target: { value: 'never' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Create enrollment token' }));

    await waitFor(() =>
      expect(requests.find((r) => r.method === 'POST')?.body).toEqual({
        name: 'fleet',
        maxUses: null,
        expiresAt: null,
        labels: {},
      }),
    );
  });

  it('lists tokens with their state and revokes one after confirmation', async () => {
    const active = anEnrollmentToken({ name: 'build hosts', uses: 1, maxUses: 3 });
    const expired = anEnrollmentToken({
      name: 'old',
      active: false,
      expiresAt: '2024-01-01T00:00:00.000Z',
    });
    const revoked = anEnrollmentToken({
      name: 'leaked',
      active: false,
      revokedAt: '2024-06-01T00:00:00.000Z',
    });
    const usedUp = anEnrollmentToken({ name: 'single', active: false, uses: 1, maxUses: 1 });
    const { requests } = serve([active, expired, revoked, usedUp]);
    const panel = await openPanel();

    const list = await within(panel).findByRole('table', { name: 'Enrollment tokens' });
    const row = (name: string) => within(list).getByRole('rowheader', { name }).closest('tr')!;
    expect(within(row('build hosts')).getByText('Active')).toBeTruthy();
    expect(within(row('build hosts')).getByText('1 / 3')).toBeTruthy();
    expect(within(row('old')).getByText('Expired')).toBeTruthy();
    expect(within(row('leaked')).getByText('Revoked')).toBeTruthy();
    expect(within(row('single')).getByText('Used up')).toBeTruthy();
    expect(within(row('leaked')).queryByRole('button', { name: /Revoke/ })).toBeNull();

    fireEvent.click(within(row('build hosts')).getByRole('button', { name: 'Revoke build hosts' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke build hosts?' });
    expect(
      within(dialog).getByText(/Machines already enrolled with it keep their own credentials/),
    ).toBeTruthy();
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke token' }));

    await waitFor(() => expect(within(row('build hosts')).getByText('Revoked')).toBeTruthy());
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.url.pathname)).toEqual([
      `/api/v1/enrollment-tokens/${active.id}`,
    ]);
    expect(dialog.hasAttribute('open')).toBe(false);
  });
});
