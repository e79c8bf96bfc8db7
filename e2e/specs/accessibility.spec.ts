/**
 * Every page, checked by axe-core in Chromium: no serious or critical accessibility violation (labels, names,
 * contrast, landmarks, ARIA use), in a wide and in a narrow window.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { signIn } from '../support/auth.js';

const PAGES: Array<[path: string, heading: string]> = [
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
];

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const [label, size] of [
  ['wide', { width: 1440, height: 900 }],
  ['narrow', { width: 390, height: 844 }],
] as const) {
  test(`no serious accessibility violation on any page (${label} window)`, async ({ page }) => {
    // axe takes a few seconds per page on this hardware; thirteen pages need more than the default 30 s.
    test.setTimeout(180_000);
    await page.setViewportSize(size);
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Paddock' })).toBeVisible();
    const found: string[] = (await seriousViolations(page)).map((v) => `/login: ${v}`);
    await signIn(page);
    for (const [path, heading] of PAGES) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      found.push(...(await seriousViolations(page)).map((v) => `${path}: ${v}`));
    }
    expect(found).toEqual([]);
  });
}
