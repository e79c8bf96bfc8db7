import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { json, renderWithQueryClient, stubFetch } from '../../../lib/testing';
import { ReadinessIndicator } from './readiness-indicator';

describe('ReadinessIndicator', () => {
  it('shows "not ready" with the failing check from a 503', async () => {
    stubFetch(() =>
      json(
        {
          status: 'not_ready',
          checks: {
            database: { ok: true },
            migrations: { ok: false, detail: '1 pending migration(s)', pending: ['20250101_init'] },
          },
        },
        503,
      ),
    );
    renderWithQueryClient(<ReadinessIndicator />);

    expect(await screen.findByText('API: not ready')).toBeTruthy();
    expect(screen.getByText('migrations: 1 pending migration(s)')).toBeTruthy();
  });

  it('shows "unreachable" when the request fails', async () => {
    stubFetch(() => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' }));
    renderWithQueryClient(<ReadinessIndicator />);

    expect(await screen.findByText('API: unreachable')).toBeTruthy();
  });
});
