/**
 * Paddock's API as the admin, outside any page: for setting up what has no page yet (enrollment of the test
 * hosts, watched scopes) and for waiting on state the pages also show.
 */
import { request, type APIRequestContext } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './auth.js';

export interface AdminApi {
  get<T>(url: string): Promise<T>;
  send<T>(method: 'POST' | 'PATCH' | 'DELETE', url: string, data?: unknown): Promise<T>;
  dispose(): Promise<void>;
}

export async function adminApi(baseURL: string): Promise<AdminApi> {
  const context: APIRequestContext = await request.newContext({ baseURL });
  const login = await context.post('/api/v1/auth/login', {
    data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
  });
  if (login.status() !== 200) throw new Error(`sign-in answered ${login.status()}: ${await login.text()}`);
  const session = (await (await context.get('/api/v1/auth/session')).json()) as { csrfToken: string };
  const headers = { 'x-csrf-token': session.csrfToken };
  return {
    async get<T>(url: string) {
      const res = await context.get(url);
      if (!res.ok()) throw new Error(`GET ${url} answered ${res.status()}: ${await res.text()}`);
      return (await res.json()) as T;
    },
    async send<T>(method: 'POST' | 'PATCH' | 'DELETE', url: string, data?: unknown) {
      const res = await context.fetch(url, { method, headers, ...(data !== undefined && { data }) });
      if (!res.ok()) throw new Error(`${method} ${url} answered ${res.status()}: ${await res.text()}`);
      return (res.status() === 204 ? null : await res.json()) as T;
    },
    dispose: () => context.dispose(),
  };
}
