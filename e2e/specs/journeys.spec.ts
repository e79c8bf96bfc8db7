/**
 * The user's journeys end to end, in a real browser against the built Paddock on its embedded Postgres (PGlite,
 * spoken to over the Postgres wire protocol), a GitLab simulator, and three hosts that are each a real
 * paddock-agent beside a gitlab-runner simulator. Nothing is mocked in the browser: the person's actions go
 * through the pages; the API is read only to wait for what the pages show as well. Screenshots are kept in
 * test-results/e2e/screenshots.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { adminApi, type AdminApi } from '../support/api.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, signIn } from '../support/auth.js';
import { Fleet, startGitlabSim, type GitlabSim } from '../support/fleet.js';

const shots = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test-results/e2e/screenshots',
);
const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(shots, `journey-${name}.png`), fullPage: true });

/** As the e2e server is configured (PADDOCK_AGENT_HEARTBEAT_MS in playwright.config.ts). */
const HEARTBEAT_MS = 3_000;
const GITLAB_NAME = 'Journey GitLab';
const RUNNER = 'journey-docker';
const HOSTS = ['journey-01', 'journey-02', 'journey-03'] as const;

interface MachineRow {
  id: string;
  hostname: string | null;
  connectionState: string;
}
interface RunnerRow {
  id: string;
  description: string | null;
  assignments: Array<{ machineId: string; hostname: string; effectiveLimit: number | null }>;
}
interface JobRow {
  id: string;
  machineHostname: string | null;
  status: string;
}

let api: AdminApi;
let sim: GitlabSim;
let fleet: Fleet;
const machineIds: Record<string, string> = {};
let runnerId = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browserName: _browser }, workerInfo) => {
  test.setTimeout(90_000);
  const baseURL = workerInfo.project.use.baseURL!;
  api = await adminApi(baseURL);
  sim = await startGitlabSim('glpat-JourneySimAdmin0001');
  fleet = new Fleet(baseURL);
  for (const hostname of HOSTS) {
    const { token } = await api.send<{ token: string }>('POST', '/api/v1/enrollment-tokens', {
      name: `e2e ${hostname}`,
      maxUses: 1,
      labels: { journey: 'true' },
    });
    await fleet.add(hostname, token);
  }
  await expect
    .poll(
      async () => {
        const { items } = await api.get<{ items: MachineRow[] }>('/api/v1/machines?limit=100');
        for (const m of items) if (m.hostname) machineIds[m.hostname] = m.id;
        return items.filter((m) => HOSTS.some((h) => h === m.hostname) && m.connectionState === 'online')
          .length;
      },
      { timeout: 30_000, message: 'the three agents connect' },
    )
    .toBe(HOSTS.length);
});

test.afterAll(async () => {
  test.setTimeout(90_000);
  const problems: string[] = [];
  const attempt = (what: string, fn: () => Promise<unknown>) =>
    fn().catch((err: unknown) => problems.push(`${what}: ${String(err)}`));
  // What the journeys made goes, so the other specs start from an empty fleet again.
  if (api) {
    const runners = await api.get<{ items: RunnerRow[] }>('/api/v1/runners?limit=100').catch(() => null);
    for (const r of runners?.items ?? [])
      await attempt('delete runner', () => api.send('DELETE', `/api/v1/runners/${r.id}`));
  }
  await fleet?.stop();
  if (api) {
    for (const host of HOSTS) {
      const id = machineIds[host];
      if (id) await attempt('delete machine', () => api.send('DELETE', `/api/v1/machines/${id}`));
    }
    const instances = await api
      .get<{ items: Array<{ id: string; name: string }> }>('/api/v1/gitlab-instances')
      .catch(() => null);
    for (const i of instances?.items.filter((i) => i.name === GITLAB_NAME) ?? [])
      await attempt('disconnect GitLab', () => api.send('DELETE', `/api/v1/gitlab-instances/${i.id}`));
    await api.dispose();
  }
  await sim?.stop();
  if (problems.length > 0) console.warn(`journeys cleanup: ${problems.join('; ')}`);
});

/** Runs `check` until it passes, reloading the page between tries (for what the page does not push). */
async function eventually(page: Page, check: () => Promise<void>, timeout = 60_000): Promise<void> {
  let first = true;
  await expect(async () => {
    if (!first) await page.reload();
    first = false;
    await check();
  }).toPass({ timeout, intervals: [2_000] });
}

const runnerDetail = () => api.get<RunnerRow>(`/api/v1/runners/${runnerId}`);
const effectiveLimits = async () =>
  Object.fromEntries((await runnerDetail()).assignments.map((a) => [a.hostname, a.effectiveLimit]));

test('a: sign in, connect GitLab, register a runner for two machines, and it runs their jobs', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();

  await page.goto('/gitlab');
  await page.getByLabel('Name').fill(GITLAB_NAME);
  await page.getByLabel('URL').fill(sim.url);
  await page.getByLabel('Access token').fill(sim.adminToken);
  await page.getByRole('button', { name: 'Connect GitLab' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Connected ${GITLAB_NAME}` })).toBeVisible();
  // Watching the simulated group (its only one) has no page yet: the API does it, as a script would.
  const instance = (
    await api.get<{ items: Array<{ id: string; name: string }> }>('/api/v1/gitlab-instances')
  ).items.find((i) => i.name === GITLAB_NAME)!;
  await api.send('POST', `/api/v1/gitlab-instances/${instance.id}/watched-scopes`, {
    kind: 'group',
    gitlabId: 1,
  });

  await page.goto('/runners/new');
  await page
    .getByLabel('GitLab instance', { exact: true })
    .selectOption({ label: `${GITLAB_NAME} (${sim.url})` });
  await page.getByLabel('Description', { exact: true }).fill(RUNNER);
  const tags = page.getByLabel('Tags', { exact: true });
  for (const tag of ['docker', 'linux', 'postgres']) {
    await tags.fill(tag);
    await tags.press('Enter');
  }
  await page.getByLabel('Run untagged jobs').check();
  await page.getByLabel('Unlimited', { exact: true }).uncheck();
  await page.getByLabel('Jobs per machine').fill('2');
  await page.getByLabel('journey-01', { exact: true }).check();
  await page.getByLabel('journey-02', { exact: true }).check();
  await expect(page.getByText('2 machines selected')).toBeVisible();
  await page.getByRole('button', { name: 'Register runner' }).click();
  await expect(page.getByRole('heading', { name: 'Runner registered' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('Done: 2 of 2 machines applied.')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('link', { name: 'Open the runner' }).click();
  await expect(page.getByRole('heading', { level: 1, name: RUNNER })).toBeVisible();
  runnerId = /\/runners\/([^/?]+)/.exec(page.url())![1]!;

  // Both hosts' gitlab-runner have asked GitLab for jobs with the new token: GitLab lists them online.
  await eventually(page, async () => {
    const managers = page.getByRole('table', { name: 'Hosts GitLab has seen running this runner' });
    for (const host of ['journey-01', 'journey-02']) {
      await expect(managers.getByRole('row', { name: new RegExp(host) })).toContainText('Online', {
        timeout: 3_000,
      });
    }
  });

  // Jobs with its tags run on those machines (and on no other).
  await page.goto('/jobs');
  await eventually(page, async () => {
    const running = page
      .getByRole('region', { name: 'Running jobs by machine' })
      .or(page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Machine' }) }));
    await expect(running.getByRole('row', { name: /journey-0[12]/ }).first()).toBeVisible({ timeout: 3_000 });
  });
  const running = await api.get<{ items: JobRow[] }>('/api/v1/jobs?status=running');
  expect(running.items.filter((j) => j.machineHostname === 'journey-03')).toEqual([]);
  await screenshot(page, 'a-jobs');

  for (const host of ['journey-01', 'journey-02']) {
    await page.goto(`/machines/${machineIds[host]}`);
    await expect(page.getByRole('heading', { level: 1, name: host })).toBeVisible();
    await expect(page.getByText(/^Online, last seen/)).toBeVisible();
    await eventually(page, () =>
      expect(page.getByText(/Desired (\d+), applied \1: config in sync/)).toBeVisible({ timeout: 3_000 }),
    );
  }
  await screenshot(page, 'a');
});

test('b: a new limit reaches each machine and gitlab-runner, a fleet budget is shared out, a rollback', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await signIn(page);
  await page.goto(`/runners/${runnerId}`);
  const editor = page.getByRole('region', { name: 'Job limit' });
  await editor.getByLabel('Jobs per machine').fill('3');
  await editor.getByRole('button', { name: 'Save limits' }).click();
  await expect(editor.getByText('Done: 2 of 2 machines applied.')).toBeVisible({ timeout: 60_000 });
  const rollout = editor.getByRole('table', { name: 'Rollout progress by machine' });
  const revisionOf: Record<string, number> = {};
  for (const host of ['journey-01', 'journey-02']) {
    const cell = rollout
      .getByRole('row', { name: new RegExp(host) })
      .getByRole('cell')
      .first();
    revisionOf[host] = Number((await cell.textContent())!.replace('#', ''));
  }

  for (const host of ['journey-01', 'journey-02']) {
    await page.goto(`/machines/${machineIds[host]}`);
    const n = revisionOf[host];
    await eventually(page, () =>
      expect(page.getByText(`Desired ${n}, applied ${n}: config in sync`)).toBeVisible({ timeout: 3_000 }),
    );
    // gitlab-runner itself (the simulator) has reloaded config.toml and applies the new limit.
    await expect.poll(() => fleet.runnerLimit(fleet.host(host), RUNNER), { timeout: 30_000 }).toBe(3);
  }
  await screenshot(page, 'b-applied');

  // One budget for the fleet: shared between the two machines by capacity (same CPUs: half each).
  await page.goto(`/runners/${runnerId}`);
  await editor.getByRole('radio', { name: /^Fleet budget/ }).check();
  await editor.getByLabel('Total jobs across the fleet').fill('4');
  await editor.getByRole('button', { name: 'Save limits' }).click();
  await expect(editor.getByText('Done: 2 of 2 machines applied.')).toBeVisible({ timeout: 60_000 });
  const effective = editor.getByRole('table', { name: 'Machines this runner runs on' });
  await expect(
    effective
      .getByRole('row', { name: /journey-01/ })
      .getByRole('cell')
      .last(),
  ).toHaveText('2');
  await expect(
    effective
      .getByRole('row', { name: /journey-02/ })
      .getByRole('cell')
      .last(),
  ).toHaveText('2');
  await expect.poll(() => fleet.runnerLimit(fleet.host('journey-01'), RUNNER), { timeout: 30_000 }).toBe(2);

  // Back to the per-machine limit of 3 on journey-01, from its revision history.
  await page.goto(`/machines/${machineIds['journey-01']}`);
  const back = revisionOf['journey-01']!;
  await page.getByRole('button', { name: `Roll back to this (revision ${back})` }).click();
  await page.getByRole('button', { name: `Roll back to revision ${back}` }).click();
  await eventually(page, () =>
    expect(page.getByText(/Desired (\d+), applied \1: config in sync/)).toBeVisible({ timeout: 3_000 }),
  );
  await expect(page.getByText(`(rollback to #${back})`).first()).toBeVisible();
  await expect.poll(() => fleet.runnerLimit(fleet.host('journey-01'), RUNNER), { timeout: 30_000 }).toBe(3);
  await screenshot(page, 'b');
});

test('b2: a host dropping off re-splits the fleet budget onto the others', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page);
  await page.goto(`/runners/${runnerId}`);
  const editor = page.getByRole('region', { name: 'Job limit' });
  await editor.getByRole('radio', { name: /^Fleet budget/ }).check();
  await editor.getByLabel('Total jobs across the fleet').fill('4');
  await editor.getByRole('button', { name: 'Save limits' }).click();
  await expect(editor.getByText(/Done: |Nothing changed/)).toBeVisible({ timeout: 60_000 });
  const effective = editor.getByRole('table', { name: 'Machines this runner runs on' });
  // A host drops off the network without a word (its agent frozen): once it is offline, its share moves over.
  const frozen = fleet.host('journey-02');
  frozen.agent!.proc.kill('SIGSTOP');
  try {
    await expect
      .poll(effectiveLimits, { timeout: 10 * HEARTBEAT_MS, message: 'the budget is re-split' })
      .toMatchObject({ 'journey-01': 4 });
    await expect.poll(() => fleet.runnerLimit(fleet.host('journey-01'), RUNNER), { timeout: 30_000 }).toBe(4);
    await page.reload();
    await expect(
      effective
        .getByRole('row', { name: /journey-01/ })
        .getByRole('cell')
        .last(),
    ).toHaveText('4');
    await screenshot(page, 'b-resplit');
  } finally {
    frozen.agent!.proc.kill('SIGCONT');
  }
});

test('c: a wall screen shows a machine going offline within three heartbeats, and stuck tag sets', async ({
  browser,
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto('/settings/display-tokens');
  await page.getByLabel('Name').fill('journey wall');
  await page.getByRole('button', { name: 'Create display token' }).click();
  const link = (await page.getByLabel('Wall screen link', { exact: true }).textContent())!.trim();

  const kiosk = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  try {
    const wall = await kiosk.newPage();
    await wall.goto(link);
    const figure = (label: string) =>
      wall.locator('.wall-figure').filter({ has: wall.getByText(label, { exact: true }) });
    await expect(figure('Online')).toHaveText(/^Online\s*3\s*of 3$/, { timeout: 30_000 });

    // Jobs tagged for hardware no runner has (gpu, macos) or for protected deploys wait with no runner.
    await expect(
      wall
        .getByRole('region', { name: 'No runner can take' })
        .getByRole('listitem')
        .filter({ hasText: 'no online runner has these tags' })
        .first(),
    ).toBeVisible({ timeout: 60_000 });

    // The signed-in overview shows the same health, live, without a reload.
    await page.goto('/');
    const health = page.getByRole('region', { name: 'Fleet health' });
    const stat = (label: string) =>
      health
        .getByRole('list', { name: 'Machines' })
        .getByRole('listitem')
        .filter({ has: page.locator('.stat-label', { hasText: label }) })
        .locator('.stat-value');
    await expect(stat('Online')).toHaveText('3', { timeout: 30_000 });

    const host = fleet.host('journey-03');
    await fleet.stopAgent(host);
    const stoppedAt = Date.now();
    // Within three heartbeats: the closed connection marks the machine offline and the wall is told at once.
    await expect(figure('Offline')).toHaveText(/^Offline\s*1(\D|$)/, { timeout: 3 * HEARTBEAT_MS });
    await expect(wall.getByRole('img', { name: /1 offline: journey-03\./ })).toBeVisible({ timeout: 5_000 });
    test.info().annotations.push({
      type: 'offline shown after',
      description: `${Date.now() - stoppedAt} ms (heartbeat ${HEARTBEAT_MS} ms)`,
    });
    await wall.screenshot({ path: path.join(shots, 'journey-c.png') });
    await expect(stat('Offline')).toHaveText('1', { timeout: 5_000 });
    await expect(stat('Online')).toHaveText('2');
    fleet.startAgent(host);
    await expect(figure('Online')).toHaveText(/^Online\s*3\s*of 3$/, { timeout: 30_000 });
    await expect(stat('Online')).toHaveText('3', { timeout: 5_000 });
  } finally {
    await kiosk.close();
  }
});

test('d: the log of a running job streams new lines as they are written', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);
  // A job that keeps running long enough to be watched: try the running jobs one after another.
  const tried = new Set<string>();
  await expect(async () => {
    const { items } = await api.get<{ items: JobRow[] }>('/api/v1/jobs?status=running');
    const job = items.find((j) => !tried.has(j.id) && j.machineHostname?.startsWith('journey-'));
    expect(job, 'a running job on a journey host').toBeDefined();
    tried.add(job!.id);
    await page.goto('/jobs');
    await page
      .getByRole('link', { name: new RegExp(`^Log of .* #\\d+$`) })
      .first()
      .waitFor();
    await page.goto(`/jobs/${job!.id}`);
    const lines = page.getByText(/^[\d,]+ lines · /);
    await expect(lines).toBeVisible({ timeout: 15_000 });
    await expect(page.getByText('Running', { exact: true })).toBeVisible();
    const count = () =>
      lines.textContent().then((t) => Number(t!.replace(/[^\d].*$/s, '').replace(/,/g, '')));
    const before = await count();
    // New lines arrive on the open page, with no reload, while the job still runs.
    await expect.poll(count, { timeout: 15_000 }).toBeGreaterThan(before);
    await expect(page.getByText('Running', { exact: true })).toBeVisible();
  }).toPass({ timeout: 90_000 });
  await screenshot(page, 'd');
});
