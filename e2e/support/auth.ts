/** The admin the browser tests' Paddock starts with (PADDOCK_ADMIN_EMAIL/PASSWORD), and signing in as them. */
import type { Page } from '@playwright/test';

export const ADMIN_EMAIL = 'admin@e2e.test';
export const ADMIN_PASSWORD = 'e2e admin password';

/** Signs in through the API: the session cookie lands in the page's browser context. */
export async function signIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<void> {
  const res = await page.request.post('/api/v1/auth/login', { data: { email, password } });
  if (res.status() !== 200) throw new Error(`sign-in answered ${res.status()}: ${await res.text()}`);
}
