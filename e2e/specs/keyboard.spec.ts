/**
 * The register and limit-edit flows with the keyboard alone, in a real browser against the built Paddock, a
 * GitLab simulator and one host (a real paddock-agent beside a gitlab-runner simulator). The person only presses
 * Tab, Shift+Tab, Space, Enter, Escape and arrow keys and types: no clicks, no filling or focusing of elements by
 * the test. Every stop Tab lands on must show a focus ring, and every dialog must close on Escape and hand focus
 * back to the control that opened it.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { adminApi, type AdminApi } from '../support/api.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, signIn } from '../support/auth.js';
import { Fleet, startGitlabSim, type GitlabSim } from '../support/fleet.js';

const GITLAB_NAME = 'Keyboard GitLab';
const HOST = 'kbd-01';
const RUNNER = 'kbd-shell';
/** Enough for the longest way Tab walks here: header, navigation and the whole register form. */
const MAX_TABS = 90;

let api: AdminApi;
let sim: GitlabSim;
let fleet: Fleet;
let machineId = '';
let runnerId = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browserName: _browser }, workerInfo) => {
  test.setTimeout(60_000);
  const baseURL = workerInfo.project.use.baseURL!;
  api = await adminApi(baseURL);
  sim = await startGitlabSim('glpat-KeyboardSimAdmin0001');
  // Connecting GitLab has its own journey; here it is only the ground the register form stands on.
  await api.send('POST', '/api/v1/gitlab-instances', {
    name: GITLAB_NAME,
    url: sim.url,
    accessToken: sim.adminToken,
  });
  fleet = new Fleet(baseURL);
  const { token } = await api.send<{ token: string }>('POST', '/api/v1/enrollment-tokens', {
    name: `e2e ${HOST}`,
    maxUses: 1,
  });
  await fleet.add(HOST, token);
  await expect
    .poll(
      async () => {
        const { items } = await api.get<{
          items: Array<{ id: string; hostname: string | null; connectionState: string }>;
        }>('/api/v1/machines?limit=100');
        const machine = items.find((m) => m.hostname === HOST);
        machineId = machine?.id ?? '';
        return machine?.connectionState;
      },
      { timeout: 30_000, message: 'the agent connects' },
    )
    .toBe('online');
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  const problems: string[] = [];
  const attempt = (what: string, fn: () => Promise<unknown>) =>
    fn().catch((err: unknown) => problems.push(`${what}: ${String(err)}`));
  // What this file made goes, so the other specs start from an empty fleet again.
  if (api) {
    // By name, not by the id the first test keeps: it may have failed after registering and before reading it.
    const runners = await api
      .get<{ items: Array<{ id: string; description: string | null }> }>('/api/v1/runners?limit=100')
      .catch(() => null);
    for (const r of runners?.items.filter((r) => r.description === RUNNER) ?? [])
      await attempt('delete runner', () => api.send('DELETE', `/api/v1/runners/${r.id}`));
  }
  await fleet?.stop();
  if (api) {
    if (machineId) await attempt('delete machine', () => api.send('DELETE', `/api/v1/machines/${machineId}`));
    const instances = await api
      .get<{ items: Array<{ id: string; name: string }> }>('/api/v1/gitlab-instances')
      .catch(() => null);
    for (const i of instances?.items.filter((i) => i.name === GITLAB_NAME) ?? [])
      await attempt('disconnect GitLab', () => api.send('DELETE', `/api/v1/gitlab-instances/${i.id}`));
    await api.dispose();
  }
  await sim?.stop();
  if (problems.length > 0) console.warn(`keyboard cleanup: ${problems.join('; ')}`);
});

interface Focused {
  /** tag, name and text of the focused element, for messages */
  what: string;
  /** an outline or a box shadow is drawn around it */
  ring: boolean;
  /** it is the element asked about */
  isTarget: boolean;
}

/** What has focus now, whether it shows that it has, and whether it is `el`. Runs in the page. */
function describeFocus(el: Element | null): Focused {
  const active = document.activeElement;
  if (!active || active === document.body) return { what: 'the page body', ring: false, isTarget: false };
  const style = getComputedStyle(active);
  const outline =
    style.outlineStyle !== 'none' &&
    parseFloat(style.outlineWidth) > 0 &&
    style.outlineColor !== 'rgba(0, 0, 0, 0)';
  const rect = active.getBoundingClientRect();
  const label =
    active.getAttribute('aria-label') ?? (active as HTMLElement).innerText?.trim().slice(0, 40) ?? '';
  return {
    what: `<${active.tagName.toLowerCase()}> "${label}"`,
    ring: (outline || style.boxShadow !== 'none') && rect.width > 0 && rect.height > 0,
    isTarget: active === el,
  };
}

const focused = (page: Page): Promise<Focused> => page.evaluate(describeFocus, null);

/**
 * Presses Tab (or Shift+Tab) until `target` has focus, checking that each control on the way shows a focus ring.
 * Fails if the target is not reached within `MAX_TABS` presses: then it is not reachable by keyboard.
 */
async function tabTo(page: Page, target: Locator, { back = false } = {}): Promise<void> {
  await expect(target).toBeVisible();
  const path: string[] = [];
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const now = await target.evaluate(describeFocus);
    path.push(now.what);
    expect(now.ring, `${now.what} shows that it has focus`).toBe(true);
    if (now.isTarget) return;
  }
  throw new Error(`Tab never reached the target; it went through: ${path.join(', ')}`);
}

/** Opens a dialog from `opener`, checks where focus starts, closes it with Escape and checks focus came back. */
async function escapeReturnsFocus(page: Page, opener: Locator, dialogTitle: string): Promise<void> {
  await tabTo(page, opener);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: dialogTitle });
  await expect(dialog).toBeVisible();
  // Cancel starts with focus, so Enter at once cannot do the irreversible thing.
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  expect((await focused(page)).ring, 'Cancel shows that it has focus').toBe(true);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  expect((await focused(page)).ring, 'the opener shows that it has focus again').toBe(true);
}

test('register a runner with the keyboard only, and watch its steps finish', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  // The email input takes focus on its own.
  await expect(page.getByLabel('Email')).toBeFocused();
  await page.keyboard.type(ADMIN_EMAIL);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();

  const nav = page.getByRole('navigation', { name: 'Main' });
  await tabTo(page, nav.getByRole('link', { name: 'Runners' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Runners' })).toBeVisible();
  await tabTo(page, page.getByRole('link', { name: 'Register a runner' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Register a runner' })).toBeVisible();

  // The only GitLab connection is chosen already.
  await expect(page.getByLabel('GitLab instance', { exact: true })).toHaveValue(/.+/);
  await tabTo(page, page.getByLabel('Description', { exact: true }));
  await page.keyboard.type(RUNNER);

  await tabTo(page, page.getByLabel('Tags', { exact: true }));
  for (const tag of ['shell', 'linux']) {
    await page.keyboard.type(tag);
    await page.keyboard.press('Enter');
  }
  // Each chip is its tag and a remove button.
  const chips = page.getByRole('list', { name: 'tags' }).getByRole('listitem');
  await expect(chips).toHaveText([/^shell\W*$/, /^linux\W*$/]);
  // Enter added a tag and nothing else: the form is still there, focus still in the input.
  await expect(page.getByLabel('Tags', { exact: true })).toBeFocused();
  // Backspace in the empty input takes the last tag back.
  await page.keyboard.press('Backspace');
  await expect(chips).toHaveText([/^shell\W*$/]);
  await page.keyboard.type('linux,');
  await expect(chips).toHaveText([/^shell\W*$/, /^linux\W*$/]);

  // The job limit: "Unlimited" is ticked and its number input disabled, so Tab skips that input.
  const unlimited = page.getByLabel('Unlimited', { exact: true });
  await tabTo(page, unlimited);
  await expect(unlimited).toBeChecked();
  await page.keyboard.press('Space');
  await expect(unlimited).not.toBeChecked();
  await page.keyboard.press('Shift+Tab');
  const limit = page.getByLabel('Jobs per machine');
  await expect(limit).toBeFocused();
  await page.keyboard.type('2');
  await expect(limit).toHaveValue('2');

  const machine = page.getByLabel(HOST, { exact: true });
  await tabTo(page, machine);
  await page.keyboard.press('Space');
  await expect(machine).toBeChecked();
  await expect(page.getByText('1 machine selected')).toBeVisible();

  await tabTo(page, page.getByRole('button', { name: 'Register runner' }));
  await page.keyboard.press('Enter');

  // The steps as they happen, then the result where the form was, with focus on its heading.
  const done = page.getByRole('heading', { name: 'Runner registered' });
  await expect(done).toBeVisible({ timeout: 30_000 });
  await expect(done).toBeFocused();
  const steps = page.locator('.steps-live').getByRole('listitem');
  await expect(steps).toHaveCount(4);
  // Each step says in words that it is done: the badge's colour is not the only sign.
  for (const step of await steps.all()) await expect(step).toContainText('Done');
  await expect(page.getByText('Done: 1 of 1 machine applied.')).toBeVisible({ timeout: 30_000 });

  await tabTo(page, page.getByRole('link', { name: 'Open the runner' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: RUNNER })).toBeVisible();
  runnerId = /\/runners\/([^/?#]+)/.exec(page.url())![1]!;
  await expect
    .poll(() => fleet.runnerLimit(fleet.host(HOST), RUNNER), {
      timeout: 30_000,
      message: 'limit on the host',
    })
    .toBe(2);
});

test("edit the token's job limit with the keyboard only, and see it applied on the machine", async ({
  page,
}) => {
  test.setTimeout(60_000);
  expect(runnerId, 'the runner from the register test').not.toBe('');
  await signIn(page);
  await page.goto(`/runners/${runnerId}`);
  await expect(page.getByRole('heading', { level: 1, name: RUNNER })).toBeVisible();

  const editor = page.getByRole('region', { name: 'Job limit' });
  const limit = editor.getByLabel('Jobs per machine');
  await tabTo(page, limit);
  await expect(limit).toHaveValue('2');
  // A number input steps with the arrow keys.
  await page.keyboard.press('ArrowUp');
  await expect(limit).toHaveValue('3');
  await expect(editor.getByRole('status').filter({ hasText: 'Unsaved changes' })).toBeVisible();
  // Enter in the input saves the form.
  await page.keyboard.press('Enter');
  await expect(editor.getByText('Done: 1 of 1 machine applied.')).toBeVisible({ timeout: 30_000 });

  // From the rollout's row to the machine's page, still by keyboard.
  const rollout = editor.getByRole('table', { name: 'Rollout progress by machine' });
  const row = rollout.getByRole('row', { name: new RegExp(HOST) });
  await expect(row).toContainText('Applied');
  const revision = Number((await row.getByRole('cell').first().textContent())!.replace('#', ''));
  await tabTo(page, row.getByRole('link', { name: HOST }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: HOST })).toBeVisible();
  await expect(page.getByText(`Desired ${revision}, applied ${revision}: config in sync`)).toBeVisible();
  // gitlab-runner itself (the simulator) has reloaded config.toml with the new limit.
  await expect
    .poll(() => fleet.runnerLimit(fleet.host(HOST), RUNNER), {
      timeout: 30_000,
      message: 'limit on the host',
    })
    .toBe(3);
});

test('dialogs close with Escape and give focus back; one is confirmed with the keyboard', async ({
  page,
}) => {
  test.setTimeout(60_000);
  expect(runnerId, 'the runner from the register test').not.toBe('');
  await signIn(page);
  await page.goto(`/runners/${runnerId}`);
  await expect(page.getByRole('heading', { level: 1, name: RUNNER })).toBeVisible();

  await escapeReturnsFocus(
    page,
    page.getByRole('button', { name: 'Rotate token' }),
    "Rotate this runner's token?",
  );
  await escapeReturnsFocus(page, page.getByRole('button', { name: 'Delete runner' }), `Delete ${RUNNER}?`);

  // Confirmed this time: Tab from Cancel to the dialog's own button, Enter.
  const rotate = page.getByRole('button', { name: 'Rotate token' });
  await page.keyboard.press('Shift+Tab');
  await expect(rotate).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: "Rotate this runner's token?" });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Rotate token' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: /Token rotated/ })).toBeVisible();
  await expect(rotate).toBeFocused();

  // The account menu: a disclosure that Escape closes, and a dialog opened from inside it.
  const menuButton = page.getByRole('button', { name: /account menu/ });
  await tabTo(page, menuButton, { back: true });
  await page.keyboard.press('Enter');
  await expect(menuButton).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Escape');
  await expect(menuButton).toHaveAttribute('aria-expanded', 'false');
  await expect(menuButton).toBeFocused();
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByRole('button', { name: 'Sign out everywhere' }));
  await page.keyboard.press('Enter');
  const signOut = page.getByRole('dialog', { name: 'Sign out everywhere?' });
  await expect(signOut.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(signOut).toBeHidden();
  // The item that opened it went away with the menu: focus goes to the menu's button, not to the page.
  await expect(menuButton).toBeFocused();

  // A dialog on the machine's page: draining.
  await page.goto(`/machines/${machineId}`);
  await expect(page.getByRole('heading', { level: 1, name: HOST })).toBeVisible();
  await escapeReturnsFocus(page, page.getByRole('button', { name: 'Drain', exact: true }), `Drain ${HOST}?`);
});
