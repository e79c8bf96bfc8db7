import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp, stubFetch } from '../../../lib/testing';

describe('Settings', () => {
  it('opens on your account and offers an admin every settings page', async () => {
    stubFetch(() => undefined);
    const { router } = renderApp('/settings');

    expect(await screen.findByRole('heading', { level: 1, name: 'Your account' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/settings/account');
    const nav = screen.getByRole('navigation', { name: 'Settings' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Your account', 'API tokens', 'Users', 'Enrollment tokens', 'Display tokens', 'Audit log']);
    expect(within(nav).getByRole('link', { name: 'Your account' }).getAttribute('aria-current')).toBe('page');
    const main = screen.getByRole('navigation', { name: 'Main' });
    expect(within(main).getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
  });
});
