import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import type { Handler } from '../../../lib/testing';
import { aSession, UNAUTHORIZED_PROBLEM } from '../testing';

const TOKEN = 'pds_0123456789abcdefghijkl';

function signedOut(routes: Handler) {
  let session: SessionInfo | null = null;
  return stubFetch(async (request) => {
    if (request.url.pathname === '/api/v1/auth/session')
      return session ? json(session) : json(UNAUTHORIZED_PROBLEM, 401);
    const answer = await routes(request);
    if (answer?.ok && request.method === 'POST') session = (await answer.clone().json()) as SessionInfo;
    return answer;
  });
}

const fill = (form: HTMLElement, label: string, value: string) =>
  fireEvent.change(within(form).getByLabelText(label), { target: { value } });

describe('SetupPage', () => {
  it('creates the first admin with the token from the link and signs them in', async () => {
    const { requests } = signedOut(({ url, method }) => {
      if (url.pathname === '/api/v1/auth/setup' && method === 'GET') return json({ needed: true });
      if (url.pathname === '/api/v1/auth/setup') return json(aSession());
      if (url.pathname === '/api/v1/machines') return json({ items: [], nextCursor: null, total: 0 });
      return undefined;
    });
    const { router } = renderApp(`/setup?token=${TOKEN}`);
    const form = await screen.findByRole('form', { name: 'Create the first admin' });

    fill(form, 'Email', 'Ada@Example.com');
    fill(form, 'Password', 'a long enough passphrase');
    fill(form, 'Repeat password', 'a long enough passphrase!');
    fireEvent.click(within(form).getByRole('button', { name: 'Create admin and sign in' }));
    expect(await within(form).findByText('does not match the password above')).toBeTruthy();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);

    fill(form, 'Repeat password', 'a long enough passphrase');
    fireEvent.click(within(form).getByRole('button', { name: 'Create admin and sign in' }));

    await screen.findByRole('button', { name: /account menu/ });
    expect(router.state.location.pathname).toBe('/');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({
      token: TOKEN,
      email: 'ada@example.com',
      password: 'a long enough passphrase',
    });
  });

  it('says so when setup is already done', async () => {
    signedOut(({ url }) => (url.pathname === '/api/v1/auth/setup' ? json({ needed: false }) : undefined));
    renderApp(`/setup?token=${TOKEN}`);
    expect(await screen.findByText(/already has an admin/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Go to sign in' })).toBeTruthy();
  });
});

describe('InvitePage', () => {
  it('shows why an invitation link was refused', async () => {
    signedOut(({ url }) =>
      url.pathname === '/api/v1/auth/invite'
        ? json(
            {
              ...UNAUTHORIZED_PROBLEM,
              detail: 'The invitation link is not valid (unknown, used or expired); ask for a new one.',
            },
            401,
          )
        : undefined,
    );
    const { router } = renderApp('/invite?token=pdi_0123456789abcdefghij');
    const form = await screen.findByRole('form', { name: 'Choose your password' });

    fill(form, 'Password', 'correct horse battery');
    fill(form, 'Repeat password', 'correct horse battery');
    fireEvent.click(within(form).getByRole('button', { name: 'Set password and sign in' }));

    expect((await within(form).findByRole('alert')).textContent).toContain('ask for a new one');
    expect(router.state.location.pathname).toBe('/invite');
  });

  it('asks for the link when the token is missing', async () => {
    signedOut(() => undefined);
    renderApp('/invite');
    expect(await screen.findByText(/needs the link an admin gave you/)).toBeTruthy();
    expect(screen.queryByRole('form')).toBeNull();
  });
});
