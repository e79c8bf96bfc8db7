/**
 * Test helpers: a fake `fetch` answering per route, and the whole app rendered at a URL. Tests stub the global
 * `fetch` (not our modules), so the real api-client, schemas, query cache and router run as in the browser. The
 * `/live` socket is a fake one that stays connecting until a test accepts it, so pages poll as without websockets.
 * Unless a handler answers `/api/v1/auth/session` itself, an admin is signed in; machine and runner history
 * (`/api/v1/fleet/concurrency`) is empty unless a handler answers it.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryHistory } from '@tanstack/react-router';
import { render } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { vi } from 'vitest';
import { App } from '../app/providers';
import { createAppRouter } from '../app/router';
import { aSession } from '../features/auth/testing';
import { LiveConnection } from './live/live-connection';
import { LiveProvider } from './live/live-context';
import { fakeLiveSockets } from './live/testing';

export interface RecordedRequest {
  method: string;
  url: URL;
  body: unknown;
  /** request headers, names in lower case */
  headers: Record<string, string>;
}

/** Answers a request, or returns undefined to fall through to a 404 problem. */
export type Handler = (request: RecordedRequest) => Response | undefined | Promise<Response | undefined>;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

export const READY = {
  status: 'ready',
  checks: { database: { ok: true }, migrations: { ok: true, pending: [] } },
};

/** Replaces `globalThis.fetch`; every request is recorded so tests can check what was asked. */
export function stubFetch(handler: Handler) {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://paddock.test');
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const headers = Object.fromEntries([...new Headers(init.headers).entries()]);
    const request = { method: init.method ?? 'GET', url, body, headers };
    requests.push(request);
    const answer = await handler(request);
    if (answer) return answer;
    if (url.pathname === '/readyz') return json(READY);
    if (url.pathname === '/api/v1/auth/session') return json(aSession());
    // Machine and runner pages show a history chart; tests about something else get an empty one.
    if (url.pathname === '/api/v1/fleet/concurrency') {
      const machineId = url.searchParams.get('machineId');
      const id = machineId ?? url.searchParams.get('runnerId') ?? '';
      const now = new Date().toISOString();
      return json({
        subject: { type: machineId ? 'machine' : 'runner', id, name: null },
        range: url.searchParams.get('range') ?? 'hour',
        bucketSeconds: 60,
        from: now,
        to: now,
        points: [],
      });
    }
    return json(
      { type: 'urn:paddock:problem:not_found', title: 'Not found', status: 404, code: 'not_found' },
      404,
    );
  });
  vi.stubGlobal('fetch', fetchMock);
  return { fetchMock, requests };
}

/** No retries and no garbage-collection timers, so a failing request fails the test at once. */
export function createTestQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } },
  });
}

/** Renders the real app (layout, routes, lazy pages) at `path`; `live` holds the fake `/live` sockets it opens. */
export function renderApp(path: string) {
  const queryClient = createTestQueryClient();
  const router = createAppRouter({ history: createMemoryHistory({ initialEntries: [path] }) });
  const live = fakeLiveSockets();
  const view = render(<App queryClient={queryClient} router={router} webSocket={live.WebSocket} />);
  return { ...view, router, queryClient, live };
}

/** Renders one component with a query client and a live connection (over a fake socket that never connects). */
export function renderWithQueryClient(ui: ReactElement) {
  const queryClient = createTestQueryClient();
  const live = new LiveConnection({ url: 'ws://paddock.test/live', WebSocket: fakeLiveSockets().WebSocket });
  return { queryClient, ...render(ui, { wrapper: makeWrapper(queryClient, live) }) };
}

function makeWrapper(queryClient: QueryClient, live: LiveConnection) {
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <QueryClientProvider client={queryClient}>
        <LiveProvider connection={live}>{children}</LiveProvider>
      </QueryClientProvider>
    );
  };
}
