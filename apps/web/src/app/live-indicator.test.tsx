import { act, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LiveConnection } from '../lib/live/live-connection';
import { LiveProvider } from '../lib/live/live-context';
import { fakeLiveSockets } from '../lib/live/testing';
import { READY, json, renderApp, stubFetch } from '../lib/testing';
import { LiveIndicator } from './live-indicator';

describe('LiveIndicator', () => {
  it('says connecting, then live, then since when it is offline while it reconnects', () => {
    const server = fakeLiveSockets();
    const live = new LiveConnection({
      url: 'ws://paddock.test/live',
      WebSocket: server.WebSocket,
      random: () => 0.5,
      // Local time, as the indicator shows it.
      now: () => new Date(2025, 0, 1, 9, 5, 42).getTime(),
    });
    live.start();
    render(
      <LiveProvider connection={live}>
        <LiveIndicator />
      </LiveProvider>,
    );
    const status = screen.getByRole('status');

    expect(within(status).getByText('Connecting…')).toBeTruthy();

    act(() => server.latest().accept());
    expect(within(status).getByText('Live')).toBeTruthy();
    expect(within(status).queryByText('Connecting…')).toBeNull();

    act(() => server.latest().drop());
    expect(within(status).getByText('Offline since 09:05 — reconnecting')).toBeTruthy();
    // Each state has its own shape too, not only its own colour.
    expect(status.querySelector('.badge-warning .badge-icon path')).toBeTruthy();

    live.stop();
  });

  it('sits in the app header', async () => {
    stubFetch(({ url }) => (url.pathname === '/readyz' ? json(READY) : undefined));
    const { live } = renderApp('/gitlab');

    const indicator = (await screen.findByText('Connecting…')).closest('[role="status"]')!;
    expect(indicator.closest('header.app-header')).toBeTruthy();
    expect(indicator.textContent).toBe('Live updates: Connecting…');
    act(() => live.latest().accept());
    expect(indicator.textContent).toBe('Live updates: Live');
  });
});
