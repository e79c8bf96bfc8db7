import { QueryClientProvider } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { AuthProvider } from '../features/auth/auth-provider';
import { LiveConnection, liveUrl } from '../lib/live/live-connection';
import type { LiveSocketConstructor } from '../lib/live/live-connection';
import { LiveProvider } from '../lib/live/live-context';
import { connectLiveToQueryCache } from './live-cache-bridge';
import { connectLiveToSession } from './live-session-bridge';
import type { createAppRouter } from './router';

export interface AppProps {
  queryClient: QueryClient;
  router: ReturnType<typeof createAppRouter>;
  /** The socket class for `/live`; the browser's `WebSocket` unless a test passes a fake one. */
  webSocket?: LiveSocketConstructor;
}

/** Everything the pages rely on, in one place; `main.tsx` and the tests both render through it. */
export function App({ queryClient, router, webSocket }: AppProps) {
  // One live connection per app, like the query client: never a module-level singleton shared between tests.
  const [live] = useState(() => new LiveConnection({ url: liveUrl(window.location), WebSocket: webSocket }));
  useEffect(() => {
    const disconnect = connectLiveToQueryCache(live, queryClient);
    const unfollow = connectLiveToSession(live, queryClient);
    // A wall screen has no session: it opens its own socket with its display token (features/wall).
    if (!window.location.pathname.startsWith('/wall')) live.start();
    return () => {
      live.stop();
      unfollow();
      disconnect();
    };
  }, [live, queryClient]);

  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <LiveProvider connection={live}>
          <RouterProvider router={router} />
        </LiveProvider>
      </AuthProvider>
    </QueryClientProvider>
  );
}
