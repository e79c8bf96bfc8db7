/**
 * Browser tests against the real, built Paddock (`apps/api/dist/server.js` serving `apps/web/dist`) on the
 * embedded database in a fresh data dir: the same path `npm start` takes. Chromium comes from the system
 * (Debian's package); Playwright's own browser downloads are not used.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './support/auth.js';
import { GITLAB_SIM_PORT, GITLAB_SIM_TOKEN } from './support/gitlab-sim.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.E2E_PORT ?? 3391);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './specs',
  outputDir: path.join(root, 'test-results', 'e2e'),
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      command: `node ${path.join(root, 'packages/gitlab-sim/dist/gitlab-sim-cli.js')} --port ${GITLAB_SIM_PORT} --admin-token ${GITLAB_SIM_TOKEN}`,
      // Any answer counts as up: the API answers 401 without a token.
      url: `http://127.0.0.1:${GITLAB_SIM_PORT}/api/v4/version`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `node ${path.join(root, 'apps/api/dist/server.js')}`,
      url: `${baseURL}/readyz`,
      reuseExistingServer: false,
      timeout: 90_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        PADDOCK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'paddock-e2e-')),
        LOG_LEVEL: 'warn',
        // The browser tests start from an empty fleet, with one admin.
        PADDOCK_DEMO: 'off',
        PADDOCK_ADMIN_EMAIL: ADMIN_EMAIL,
        PADDOCK_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // The journeys watch machines go offline (three heartbeats) and jobs move, in seconds rather than minutes.
        PADDOCK_AGENT_HEARTBEAT_MS: '3000',
        PADDOCK_GITLAB_SYNC_INTERVAL_MS: '5000',
        // Every response the journeys cause is also checked against its contract.
        PADDOCK_RESPONSE_CHECK: 'on',
      },
    },
  ],
});
