/**
 * A new user's first minutes, in a real browser against the built app on a fresh embedded database: the empty
 * fleet explains what to do next, a GitLab instance (the GitLab simulator) is connected from the form (its token
 * checked against it, then never shown again),
 * and the runner page's next step follows.
 */
import { expect, test } from '@playwright/test';
import { signIn } from '../support/auth.js';
import { GITLAB_SIM_TOKEN, GITLAB_SIM_URL as gitlabUrl } from '../support/gitlab-sim.js';

test.beforeEach(async ({ page }) => signIn(page));

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
  const token = GITLAB_SIM_TOKEN;
  await page.goto('/gitlab');
  await expect(page.getByRole('heading', { level: 1, name: 'GitLab' })).toBeVisible();

  // Paddock checks the URL and token against GitLab (here the GitLab simulator) before storing them.
  await page.getByLabel('Name').fill('Company GitLab');
  await page.getByLabel('URL').fill(gitlabUrl);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Connect GitLab' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Connected Company GitLab' })).toBeVisible();

  const row = page.getByRole('row', { name: /Company GitLab/ });
  await expect(row).toContainText(gitlabUrl);
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
