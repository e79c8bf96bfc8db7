import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { User } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aSession, aSessionAs, TEST_CSRF_TOKEN } from '../../auth/testing';
import { aUser } from '../testing';

const ME = aSession();

/** A fake users API over a list that PATCH and POST change. */
function serve(initial: User[]) {
  let users = initial;
  return stubFetch(({ url, method, body }) => {
    if (url.pathname === '/api/v1/users' && method === 'GET') return json({ items: users });
    if (url.pathname === '/api/v1/users' && method === 'POST') {
      const created = aUser({ ...(body as Partial<User>), hasPassword: false, lastLoginAt: null });
      users = [...users, created];
      return json({ ...created, invitePath: '/invite?token=pdi_0123456789abcdefghij' }, 201);
    }
    const one = url.pathname.match(/^\/api\/v1\/users\/([^/]+)$/);
    if (one && method === 'PATCH') {
      users = users.map((u) => (u.id === one[1] ? { ...u, ...(body as Partial<User>) } : u));
      return json(users.find((u) => u.id === one[1]));
    }
    const link = url.pathname.match(/^\/api\/v1\/users\/([^/]+)\/invite$/);
    if (link && method === 'POST') return json({ invitePath: '/invite?token=pdi_newlink0123456789xyz' });
    return undefined;
  });
}

const rowOf = (table: HTMLElement, person: string) =>
  within(table)
    .getByRole('rowheader', { name: new RegExp(person) })
    .closest('tr')!;

describe('UsersPage', () => {
  it('changes a role with the select, sending the CSRF token of the session', async () => {
    const me = aUser({ id: ME.user.id, name: 'Ada Admin', email: ME.user.email, role: 'admin' });
    const bob = aUser({ name: 'Bob', role: 'viewer' });
    const { requests } = serve([me, bob]);
    renderApp('/settings/users');

    const table = await screen.findByRole('table', { name: 'Users' });
    const select = within(rowOf(table, 'Bob')).getByLabelText('Role of Bob') as HTMLSelectElement;
    expect(select.value).toBe('viewer');
    // Nobody changes their own role or disables themselves here.
    expect(
      (within(rowOf(table, 'Ada Admin')).getByLabelText('Role of Ada Admin') as HTMLSelectElement).disabled,
    ).toBe(true);
    expect(within(rowOf(table, 'Ada Admin')).queryByRole('button', { name: /Disable/ })).toBeNull();

    fireEvent.change(select, { target: { value: 'operator' } });

    expect(await screen.findByText('Bob is now operator.')).toBeTruthy();
    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect(patch.url.pathname).toBe(`/api/v1/users/${bob.id}`);
    expect(patch.body).toEqual({ role: 'operator' });
    expect(patch.headers['x-csrf-token']).toBe(TEST_CSRF_TOKEN);
    await waitFor(() =>
      expect((within(rowOf(table, 'Bob')).getByLabelText('Role of Bob') as HTMLSelectElement).value).toBe(
        'operator',
      ),
    );
  });

  it('shows the reason when a role change is refused', async () => {
    const carol = aUser({ name: 'Carol', role: 'admin' });
    stubFetch(({ url, method }) => {
      if (url.pathname === '/api/v1/users' && method === 'GET') return json({ items: [carol] });
      if (method === 'PATCH')
        return json(
          {
            type: 'urn:paddock:problem:conflict',
            title: 'Conflict',
            status: 409,
            code: 'conflict',
            detail: 'Paddock needs at least one enabled admin: make someone else admin first.',
          },
          409,
        );
      return undefined;
    });
    renderApp('/settings/users');

    const select = await screen.findByLabelText('Role of Carol');
    fireEvent.change(select, { target: { value: 'viewer' } });

    expect(
      await screen.findByText(/Could not change the role of Carol: .*make someone else admin first/),
    ).toBeTruthy();
    expect((select as HTMLSelectElement).value).toBe('admin');
  });

  it('disables an account only after confirmation', async () => {
    const dan = aUser({ name: 'Dan', role: 'operator' });
    const { requests } = serve([dan]);
    renderApp('/settings/users');

    const table = await screen.findByRole('table', { name: 'Users' });
    fireEvent.click(within(rowOf(table, 'Dan')).getByRole('button', { name: 'Disable Dan' }));
    const dialog = await screen.findByRole('dialog', { name: 'Disable Dan?' });
    expect(requests.some((r) => r.method === 'PATCH')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Disable account' }));

    await waitFor(() => expect(within(rowOf(table, 'Dan')).getByText('Disabled')).toBeTruthy());
    expect(requests.find((r) => r.method === 'PATCH')?.body).toEqual({ disabled: true });
    expect(within(rowOf(table, 'Dan')).getByRole('button', { name: 'Enable Dan' })).toBeTruthy();
  });

  it('invites someone with a role and shows their link once', async () => {
    const { requests } = serve([]);
    renderApp('/settings/users');
    const form = await screen.findByRole('form', { name: 'Invite someone' });

    fireEvent.change(within(form).getByLabelText('Email'), { target: { value: 'Erin@Example.com' } });
    fireEvent.click(within(form).getByRole('radio', { name: /Operator/ }));
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));

    const link = await screen.findByLabelText('Link to choose a password');
    expect(link.textContent).toBe(`${window.location.origin}/invite?token=pdi_0123456789abcdefghij`);
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({
      email: 'erin@example.com',
      role: 'operator',
    });
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(document.body.textContent).not.toContain('pdi_0123456789abcdefghij');
  });

  it('is not offered to operators', async () => {
    stubFetch(({ url }) =>
      url.pathname === '/api/v1/auth/session' ? json(aSessionAs('operator')) : undefined,
    );
    renderApp('/settings/users');

    expect(await screen.findByRole('heading', { name: 'This page needs the admin role' })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Settings' });
    expect(within(nav).queryByRole('link', { name: 'Users' })).toBeNull();
    expect(within(nav).getByRole('link', { name: 'Audit log' })).toBeTruthy();
  });
});
