import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import type { Handler } from '../../../lib/testing';
import { aSession, UNAUTHORIZED_PROBLEM } from '../testing';

/** A signed-out browser: the session answers 401 until a sign-in succeeds. */
function signedOut(login: Handler, extra: Handler = () => undefined) {
  let session: SessionInfo | null = null;
  return stubFetch(async (request) => {
    const { url, method } = request;
    if (url.pathname === '/api/v1/auth/session')
      return session ? json(session) : json(UNAUTHORIZED_PROBLEM, 401);
    if (url.pathname === '/api/v1/auth/setup') return json({ needed: false });
    if (url.pathname === '/api/v1/auth/login' && method === 'POST') {
      const answer = await login(request);
      if (answer?.ok) session = (await answer.clone().json()) as SessionInfo;
      return answer;
    }
    return extra(request);
  });
}

function signIn(email: string, password: string) {
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('Sign-in', () => {
  it('sends a signed-out visitor to the sign-in page and back where they were after signing in', async () => {
    const { requests } = signedOut(
      () => json(aSession()),
      ({ url }) =>
        url.pathname === '/api/v1/machines' ? json({ items: [], nextCursor: null, total: 0 }) : undefined,
    );
    const { router } = renderApp('/machines?status=online');

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Paddock' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toEqual({ next: '/machines?status=online' });
    // Nothing of the page behind was asked for.
    expect(requests.some((r) => r.url.pathname === '/api/v1/machines')).toBe(false);

    signIn('ada@example.com', 'correct horse battery staple');

    expect(await screen.findByRole('heading', { level: 1, name: 'Machines' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/machines');
    expect(router.state.location.search).toEqual({ status: 'online' });
    const login = requests.find((r) => r.url.pathname === '/api/v1/auth/login');
    expect(login?.body).toEqual({ email: 'ada@example.com', password: 'correct horse battery staple' });
    expect(screen.getByRole('button', { name: 'Ada Admin, Admin: account menu' })).toBeTruthy();
  });

  it('says clearly when the email or password is wrong, and keeps the person on the form', async () => {
    signedOut(() =>
      json(
        {
          type: 'urn:paddock:problem:unauthorized',
          title: 'Unauthorized',
          status: 401,
          code: 'unauthorized',
          detail: 'Wrong email or password.',
        },
        401,
      ),
    );
    const { router } = renderApp('/login');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to Paddock' });

    signIn('ada@example.com', 'not my password');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Wrong email or password.');
    expect(router.state.location.pathname).toBe('/login');
    expect((screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('checks the fields before sending', async () => {
    const { requests } = signedOut(() => json(aSession()));
    renderApp('/login');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to Paddock' });

    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findAllByText('is required')).toHaveLength(2);
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
    expect(requests.some((r) => r.url.pathname === '/api/v1/auth/login')).toBe(false);
  });

  it('shows how long to wait when sign-ins are throttled, and blocks the button until then', async () => {
    signedOut(() =>
      json(
        {
          type: 'urn:paddock:problem:rate_limited',
          title: 'Too many requests',
          status: 429,
          code: 'rate_limited',
          detail: 'Too many failed sign-ins. Try again in 2 s.',
        },
        429,
        { 'retry-after': '2' },
      ),
    );
    renderApp('/login');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to Paddock' });

    signIn('ada@example.com', 'guess number nine');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Too many failed sign-ins.');
    expect(alert.textContent).toContain('Try again in 2 seconds.');
    const button = screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);

    // The wait counts down, then the form can be sent again.
    await waitFor(() => expect(alert.textContent).toContain('Try again in 1 second.'), { timeout: 3000 });
    await waitFor(() => expect(button.disabled).toBe(false), { timeout: 3000 });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('ignores a next address that leaves the site', async () => {
    signedOut(
      () => json(aSession()),
      ({ url }) =>
        url.pathname === '/api/v1/machines' ? json({ items: [], nextCursor: null, total: 0 }) : undefined,
    );
    const { router } = renderApp('/login?next=//evil.example/steal');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to Paddock' });

    signIn('ada@example.com', 'correct horse battery staple');

    await waitFor(() => expect(router.state.location.pathname).toBe('/'));
    expect(router.state.location.href).toBe('/');
  });

  it('returns to the sign-in page when a request answers 401, keeping the address', async () => {
    let expired = false;
    stubFetch(({ url }) => {
      if (url.pathname === '/api/v1/auth/session')
        return expired ? json(UNAUTHORIZED_PROBLEM, 401) : json(aSession());
      if (url.pathname === '/api/v1/auth/setup') return json({ needed: false });
      if (url.pathname === '/api/v1/api-tokens')
        return expired ? json(UNAUTHORIZED_PROBLEM, 401) : json({ items: [] });
      return undefined;
    });
    const { router, queryClient } = renderApp('/settings/api-tokens');
    expect(await screen.findByRole('heading', { level: 1, name: 'API tokens' })).toBeTruthy();

    expired = true;
    await act(() => queryClient.refetchQueries({ queryKey: ['api-tokens'] }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Paddock' })).toBeTruthy();
    expect(router.state.location.search).toEqual({ next: '/settings/api-tokens' });
  });
});
