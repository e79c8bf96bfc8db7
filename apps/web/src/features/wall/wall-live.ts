/**
 * The wall screen's own `/live` connection. A wall has no session cookie, so its display token goes in the socket
 * URL (`/live?display=…`); the shared `LiveConnection` reconnects with backoff by itself, and the server answers
 * every (re)subscription with the current summary. Pushed summaries go into the same query cache entry the REST
 * request fills, and after a lost connection the summary is read again over REST as well.
 */
import { useQueryClient } from '@tanstack/react-query';
import { wallTopic, type WallFilter } from '@paddock/contracts';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import {
  LiveConnection,
  liveUrl,
  type LiveSocketConstructor,
  type LiveState,
} from '../../lib/live/live-connection';
import { wallSummaryKey } from './api/get-wall-summary';

/** `ws(s)://host/live`, with the display token when the wall has one. */
export function wallLiveUrl(
  location: Pick<Location, 'protocol' | 'host'>,
  display: string | undefined,
): string {
  const base = liveUrl(location);
  return display ? `${base}?display=${encodeURIComponent(display)}` : base;
}

export function useWallLive(
  display: string | undefined,
  filter: WallFilter,
  webSocket?: LiveSocketConstructor,
): LiveState {
  const queryClient = useQueryClient();
  const connection = useMemo(
    () => new LiveConnection({ url: wallLiveUrl(window.location, display), WebSocket: webSocket }),
    [display, webSocket],
  );
  const topic = wallTopic(filter);
  const tagsKey = filter.tags?.join(',') ?? null;

  useEffect(() => {
    const key = wallSummaryKey(display, { tags: tagsKey ? tagsKey.split(',') : null, label: filter.label });
    const stopMessages = connection.onMessage((message) => {
      if (message.type === 'wall' && message.topic === topic) queryClient.setQueryData(key, message.summary);
    });
    let lost = false;
    const stopState = connection.onStateChange((state) => {
      if (state.status === 'offline') lost = true;
      else if (state.status === 'live' && lost) {
        lost = false;
        void queryClient.invalidateQueries({ queryKey: key });
      }
    });
    const unsubscribe = connection.subscribe(topic);
    connection.start();
    return () => {
      unsubscribe();
      stopState();
      stopMessages();
      connection.stop();
    };
  }, [connection, queryClient, topic, display, tagsKey, filter.label]);

  return useSyncExternalStore(connection.onStateChange, connection.getState);
}
