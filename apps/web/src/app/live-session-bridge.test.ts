import { describe, expect, it } from 'vitest';
import { sessionKey } from '../features/auth/api/get-session';
import { aSession } from '../features/auth/testing';
import { LiveConnection } from '../lib/live/live-connection';
import { fakeLiveSockets } from '../lib/live/testing';
import { createTestQueryClient } from '../lib/testing';
import { connectLiveToSession } from './live-session-bridge';

function setup() {
  const server = fakeLiveSockets();
  const live = new LiveConnection({ url: 'ws://paddock.test/live', WebSocket: server.WebSocket });
  const queryClient = createTestQueryClient();
  const stop = connectLiveToSession(live, queryClient);
  live.start();
  return { server, live, queryClient, stop };
}

describe('connectLiveToSession', () => {
  it('keeps the socket of the first session it learns about', () => {
    const { server, live, queryClient, stop } = setup();
    queryClient.setQueryData(sessionKey, aSession());
    expect(server.sockets).toHaveLength(1);
    live.stop();
    stop();
  });

  it('closes the socket on sign-out and opens a new one at once on sign-in', () => {
    const { server, live, queryClient, stop } = setup();
    queryClient.setQueryData(sessionKey, aSession());
    server.latest().accept();

    queryClient.setQueryData(sessionKey, null);
    expect(server.sockets[0]!.readyState).toBe(3);

    queryClient.setQueryData(sessionKey, aSession({ id: '0190f1a2-0000-7000-8000-0000000000b0' }));
    expect(server.sockets).toHaveLength(2);
    server.latest().accept();
    expect(live.getState().status).toBe('live');
    live.stop();
    stop();
  });
});
