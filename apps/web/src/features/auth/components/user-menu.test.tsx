import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aSessionAs, TEST_CSRF_TOKEN, UNAUTHORIZED_PROBLEM } from '../testing';

function serve() {
  let session: SessionInfo | null = aSessionAs('operator');
  return stubFetch(({ url, method }) => {
    if (url.pathname === '/api/v1/auth/session')
      return session ? json(session) : json(UNAUTHORIZED_PROBLEM, 401);
    if (url.pathname === '/api/v1/auth/setup') return json({ needed: false });
    if (url.pathname === '/api/v1/gitlab-instances') return json({ items: [] });
    if (url.pathname === '/api/v1/auth/logout' && method === 'POST') {
      session = null;
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/api/v1/auth/logout-everywhere' && method === 'POST') {
      session = null;
      return json({ sessionsEnded: 3 });
    }
    return undefined;
  });
}

async function openMenu() {
  const button = await screen.findByRole('button', { name: 'A operator, Operator: account menu' });
  expect(button.getAttribute('aria-expanded')).toBe('false');
  fireEvent.click(button);
  expect(button.getAttribute('aria-expanded')).toBe('true');
  return { button, panel: document.getElementById(button.getAttribute('aria-controls')!)! };
}

describe('UserMenu', () => {
  it('names the person and role, links to the password form and closes on Escape', async () => {
    serve();
    const { router } = renderApp('/gitlab');
    const { button, panel } = await openMenu();

    expect(within(panel).getByText('Role: Operator')).toBeTruthy();
    fireEvent.keyDown(panel, { key: 'Escape' });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(button);

    fireEvent.click(button);
    fireEvent.click(within(panel).getByRole('link', { name: 'Change password' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Your account' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/settings/account');
  });

  it('signs out and shows the sign-in page', async () => {
    const { requests } = serve();
    const { router } = renderApp('/gitlab');
    const { panel } = await openMenu();

    fireEvent.click(within(panel).getByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Paddock' })).toBeTruthy();
    expect(requests.some((r) => r.method === 'POST' && r.url.pathname === '/api/v1/auth/logout')).toBe(true);
    expect(router.state.location.pathname).toBe('/login');
  });

  it('gives focus to its button when the sign-out-everywhere dialog is cancelled', async () => {
    const { requests } = serve();
    renderApp('/gitlab');
    const { button, panel } = await openMenu();

    fireEvent.click(within(panel).getByRole('button', { name: 'Sign out everywhere' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign out everywhere?' });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    cancel.focus();
    fireEvent.click(cancel);

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // The item that opened the dialog is hidden with the panel: focus must not stay in the closed dialog.
    expect(document.activeElement).toBe(button);
    expect(requests.some((r) => r.url.pathname === '/api/v1/auth/logout-everywhere')).toBe(false);
  });

  it('signs out everywhere after confirmation', async () => {
    const { requests } = serve();
    renderApp('/gitlab');
    const { panel } = await openMenu();

    fireEvent.click(within(panel).getByRole('button', { name: 'Sign out everywhere' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign out everywhere?' });
    expect(requests.some((r) => r.url.pathname === '/api/v1/auth/logout-everywhere')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Sign out everywhere' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Paddock' })).toBeTruthy();
    const post = requests.find((r) => r.url.pathname === '/api/v1/auth/logout-everywhere');
    expect(post?.headers['x-csrf-token']).toBe(TEST_CSRF_TOKEN);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});
