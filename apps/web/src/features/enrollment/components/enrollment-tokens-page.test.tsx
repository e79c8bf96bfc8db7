import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aCreatedEnrollmentToken } from '../testing';

const TOKEN = 'pde_Settings0123456789abcdefgh';

describe('EnrollmentTokensPage', () => {
  it('shows the exact commands to install and enroll the agent after creating a token', async () => {
    stubFetch(({ url, method, body }) => {
      if (url.pathname !== '/api/v1/enrollment-tokens') return undefined;
      if (method === 'GET') return json({ items: [] });
      return json(aCreatedEnrollmentToken({ ...(body as object), token: TOKEN }), 201);
    });
    renderApp('/settings/enrollment-tokens');

    expect(await screen.findByRole('heading', { level: 1, name: 'Enrollment tokens' })).toBeTruthy();
    const create = screen.getByRole('region', { name: 'Create an enrollment token' });
    fireEvent.change(within(create).getByLabelText('Name'), { target: { value: 'rack 4' } });
    fireEvent.click(within(create).getByRole('button', { name: 'Create enrollment token' }));

    expect(
      await screen.findByRole('heading', { level: 2, name: 'Enrollment token “rack 4” created' }),
    ).toBeTruthy();
    const origin = window.location.origin;
    expect(screen.getByLabelText('Command to install the agent').textContent).toBe(
      `curl -fsSLo /usr/local/bin/paddock-agent ${origin}/downloads/paddock-agent.js\n` +
        'chmod 0755 /usr/local/bin/paddock-agent',
    );
    expect(screen.getByLabelText('Commands to run on the host').textContent).toBe(
      `paddock-agent enroll --server ${origin} --token ${TOKEN}\n` +
        'paddock-agent run --config /etc/gitlab-runner/config.toml',
    );
  });
});
