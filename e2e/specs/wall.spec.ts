/**
 * The wall screen in a real browser, with a display token and no session: it loads under the CSP, passes axe,
 * reads at 1920×1080 and 3840×2160 (screenshots kept in test-results/e2e/screenshots), and a revoked token ends it.
 */
import AxeBuilder from '@axe-core/playwright';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { signIn } from '../support/auth.js';

const shots = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test-results/e2e/screenshots',
);

test('a wall screen with a display token, at full HD and 4K', async ({ browser, page }) => {
  test.setTimeout(90_000);
  await signIn(page);
  const created = await page.request.post('/api/v1/display-tokens', {
    data: { name: 'e2e wall' },
    headers: { 'x-csrf-token': (await (await page.request.get('/api/v1/auth/session')).json()).csrfToken },
  });
  expect(created.status()).toBe(201);
  const { wallPath, id } = (await created.json()) as { wallPath: string; id: string };

  for (const [name, size] of [
    ['wall-1920x1080', { width: 1920, height: 1080 }],
    ['wall-3840x2160', { width: 3840, height: 2160 }],
  ] as const) {
    // A kiosk: a fresh browser context with no session cookie.
    const kiosk = await browser.newContext({ viewport: size });
    const wall = await kiosk.newPage();
    const violations: string[] = [];
    wall.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
    });
    await wall.goto(wallPath);
    await expect(wall.getByRole('heading', { level: 1, name: /Paddock/ })).toBeVisible();
    await expect(wall.getByText(/Updated \d\d:\d\d:\d\d/)).toBeVisible();
    await expect(wall.getByText('Online', { exact: true })).toBeVisible();
    const axe = await new AxeBuilder({ page: wall }).analyze();
    expect(
      axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    ).toEqual([]);
    expect(violations).toEqual([]);
    await wall.screenshot({ path: path.join(shots, `${name}.png`) });
    await kiosk.close();
  }

  // Revoked: the open screen says so instead of showing stale figures forever.
  const kiosk = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const wall = await kiosk.newPage();
  await wall.goto(wallPath);
  await expect(wall.getByText(/Updated \d\d:\d\d:\d\d/)).toBeVisible();
  const session = await (await page.request.get('/api/v1/auth/session')).json();
  expect(
    (
      await page.request.delete(`/api/v1/display-tokens/${id}`, {
        headers: { 'x-csrf-token': session.csrfToken },
      })
    ).status(),
  ).toBe(204);
  await expect(wall.getByRole('alert')).toBeVisible({ timeout: 20_000 });
  await kiosk.close();
});
