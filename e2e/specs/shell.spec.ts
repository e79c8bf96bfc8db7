/**
 * A new user's first minutes, in a real browser against the built app on a fresh embedded database: the empty
 * fleet explains what to do next, a GitLab instance is connected from the form (its token never shown again),
 * and the runner page's next step follows.
 */
import { expect, test } from '@playwright/test';

test('navigation and empty states guide a new user', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();

  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Machines' }).click();
  await expect(page).toHaveURL(/\/machines$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Machines' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No machines yet' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Machines' })).toHaveAttribute('aria-current', 'page');

  await nav.getByRole('link', { name: 'Runners' }).click();
  await expect(page.getByRole('heading', { name: 'Connect a GitLab instance first' })).toBeVisible();
});

test('connect a GitLab instance from the form', async ({ page }) => {
  const token = 'glpat-E2eSecretValue7788';
  await page.goto('/gitlab');
  await expect(page.getByRole('heading', { level: 1, name: 'GitLab' })).toBeVisible();

  // Server-side validation reaches the right field.
  await page.getByLabel('Name').fill('Company GitLab');
  await page.getByLabel('URL').fill('https://gitlab.e2e.example.com');
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Connect GitLab' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Connected Company GitLab' })).toBeVisible();

  const row = page.getByRole('row', { name: /Company GitLab/ });
  await expect(row).toContainText('https://gitlab.e2e.example.com');
  await expect(row).toContainText('7788');
  await expect(page.locator('body')).not.toContainText(token);

  // The instance survives a reload (it is stored, not just in the page's cache).
  await page.reload();
  await expect(page.getByRole('row', { name: /Company GitLab/ })).toBeVisible();

  // With a GitLab connected, the runners page moves on to the next step.
  await page.goto('/runners');
  await expect(page.getByRole('heading', { name: 'No runners yet' })).toBeVisible();
});

test('a client-side route survives a reload and unknown pages say so', async ({ page }) => {
  await page.goto('/machines?status=online');
  await expect(page.getByRole('heading', { level: 1, name: 'Machines' })).toBeVisible();
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  const api = await page.request.get('/api/v1/no-such-route');
  expect(api.status()).toBe(404);
  expect(api.headers()['content-type']).toContain('application/problem+json');
});
