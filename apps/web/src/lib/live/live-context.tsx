/**
 * The app's `LiveConnection`, handed to components through context, and the hooks pages use: the connection's
 * state (to fall back to polling while it is not live) and a topic subscription tied to a component's lifetime.
 */
import { createContext, useContext, useEffect, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import type { LiveTopic } from '@paddock/contracts';
import type { LiveConnection, LiveState } from './live-connection';

const LiveContext = createContext<LiveConnection | null>(null);

export function LiveProvider({ connection, children }: { connection: LiveConnection; children: ReactNode }) {
  return <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>;
}

export function useLiveConnection(): LiveConnection {
  const connection = useContext(LiveContext);
  if (!connection) throw new Error('useLiveConnection needs a <LiveProvider> (the app providers render one)');
  return connection;
}

export function useLiveState(): LiveState {
  const connection = useLiveConnection();
  return useSyncExternalStore(connection.onStateChange, connection.getState);
}

/** True while the socket delivers updates, i.e. while pages need not poll. */
export function useIsLive(): boolean {
  return useLiveState().status === 'live';
}

/** Subscribes to `topic` while the calling component is mounted; `null` subscribes to nothing. */
export function useLiveTopic(topic: LiveTopic | null): void {
  const connection = useLiveConnection();
  useEffect(() => (topic === null ? undefined : connection.subscribe(topic)), [connection, topic]);
}

/**
 * For data the server announces but does not push (a topic saying "read again"): subscribes to `topic` and gives
 * the interval to poll at meanwhile, `false` while the socket is live.
 */
export function useLiveRefresh(topic: LiveTopic, pollWhileOfflineMs: number): number | false {
  useLiveTopic(topic);
  return useIsLive() ? false : pollWhileOfflineMs;
}
