/**
 * Accounts in a real browser: signing in and out, the pages behind the sign-in, tokens shown once, and the content
 * security policy — every page of the app loads without a single violation reported by Chromium.
 */
import { expect, test, type Page } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, signIn } from '../support/auth.js';

/** Collects CSP violations the page reports, from the first script on. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) console.push(m.text());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`),
    );
  });
  return async () => [
    ...console,
    ...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])),
  ];
}

test('signing in and out, with the way back to the page asked for', async ({ page }) => {
  await page.goto('/machines?status=online');
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Paddock' })).toBeVisible();

  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Email or password is incorrect.')).toBeVisible();

  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/machines\?status=online$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Machines' })).toBeVisible();

  // The session cookie is out of the page's reach.
  expect(await page.evaluate(() => document.cookie)).not.toContain('paddock_session');
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === 'paddock_session')).toMatchObject({
    httpOnly: true,
    sameSite: 'Lax',
  });

  await page.getByRole('button', { name: /account menu$/ }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Paddock' })).toBeVisible();
  await page.goto('/runners');
  await expect(page).toHaveURL(/\/login/);
});

test('every page loads under the content security policy without a violation', async ({ page }) => {
  const violations = await watchCsp(page);
  const headers = (await page.request.get('/')).headers();
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['x-frame-options']).toBeDefined();
  expect(headers['x-content-type-options']).toBe('nosniff');

  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Paddock' })).toBeVisible();
  await signIn(page);
  for (const [path, heading] of [
    ['/', 'Overview'],
    ['/machines', 'Machines'],
    ['/runners', 'Runners'],
    ['/runners/new', 'Register a runner'],
    ['/jobs', 'Jobs'],
    ['/gitlab', 'GitLab'],
    ['/settings/account', 'Your account'],
    ['/settings/api-tokens', 'API tokens'],
    ['/settings/users', 'Users'],
    ['/settings/enrollment-tokens', 'Enrollment tokens'],
    ['/settings/display-tokens', 'Display tokens'],
    ['/settings/audit', 'Audit log'],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  }
  expect(await violations()).toEqual([]);
});

test('tokens are shown once: an API token for scripts and a wall screen link', async ({ page }) => {
  await signIn(page);
  await page.goto('/settings/api-tokens');
  await page.getByLabel('Name').fill('deploy script');
  await page.getByRole('button', { name: 'Create API token' }).click();
  const token = (await page.getByLabel('API token', { exact: true }).textContent())!.trim();
  expect(token).toMatch(/^pdt_/);
  // The token works for scripts…
  const res = await page.request.get('/api/v1/machines', { headers: { authorization: `Bearer ${token}` } });
  expect(res.status()).toBe(200);
  // …and is never shown again.
  await page.reload();
  await expect(page.getByRole('row', { name: /deploy script/ })).toBeVisible();
  await expect(page.locator('body')).not.toContainText(token);

  await page.goto('/settings/display-tokens');
  await page.getByLabel('Name').fill('ops lobby');
  await page.getByRole('button', { name: 'Create display token' }).click();
  const link = (await page.getByLabel('Wall screen link', { exact: true }).textContent())!.trim();
  expect(link).toMatch(/\/wall\?display=pdw_/);
  const display = new URL(link).searchParams.get('display')!;
  const summary = await page.request.get(`/api/v1/wall/summary?display=${display}`, {
    headers: { cookie: '' },
  });
  expect(summary.status()).toBe(200);

  // Every change above is in the audit log.
  await page.goto('/settings/audit');
  await expect(page.getByRole('cell', { name: 'api_token.create' }).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: 'display_token.create' }).first()).toBeVisible();
});
