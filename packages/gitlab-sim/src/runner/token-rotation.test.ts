// Token rotation at 75 % of the token's life, against the GitLab simulator: the reset, the rewritten config.toml
// (only token fields changed, as Paddock's agent must see it), and the old token's end.
import { readFile, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  diffRunnerConfigs,
  onlyTokenRotation,
  parseRunnerConfig,
  type RunnerConfig,
} from '@paddock/runner-config';
import { GitlabApiClient } from '../gitlab/api-client.js';
import { GitlabJobSource } from '../gitlab/gitlab-job-source.js';
import { GitlabSimulator } from '../gitlab/simulator.js';
import { harness, isEvent } from '../test-support/simulator.js';
import type { SimRunner } from './load-config.js';
import { nextRunnerToReset } from './token-rotation.js';

const ADMIN = 'glpat-admin-token-0000000';
const DAY_MS = 24 * 60 * 60 * 1000;
let gitlab: GitlabSimulator | undefined;
afterEach(() => gitlab?.close());

function parsed(text: string): RunnerConfig {
  const result = parseRunnerConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

/** A runAt that only records: the test fires the task itself. */
function manualRunAt() {
  const tasks: Array<{ at: Date; task: () => void; cancelled: boolean }> = [];
  return {
    tasks,
    runAt: (at: Date, task: () => void) => {
      const entry = { at, task, cancelled: false };
      tasks.push(entry);
      return () => {
        entry.cancelled = true;
      };
    },
    fireLatest: () => {
      const live = tasks.filter((t) => !t.cancelled).at(-1);
      if (!live) throw new Error('nothing scheduled');
      live.task();
    },
  };
}

describe('nextRunnerToReset', () => {
  const runner = (index: number, obtained: number, expires: number | null) =>
    ({ index, tokenObtainedAt: obtained, tokenExpiresAt: expires }) as SimRunner;

  it('picks the token due first, at 75 % of its life, and skips tokens without expiry', () => {
    const due = nextRunnerToReset([runner(0, 0, null), runner(1, 0, 4000), runner(2, 1000, 4000)]);
    expect(due?.runner.index).toBe(1);
    expect(due?.at).toBe(3000);
    expect(nextRunnerToReset([runner(0, 0, null)])).toBeUndefined();
  });
});

describe('automatic token rotation', () => {
  it('resets the token at 75 % of its life and rewrites config.toml with only the token fields changed', async () => {
    gitlab = new GitlabSimulator({ adminToken: ADMIN, runnerTokenExpirationIntervalSeconds: 30 * 24 * 3600 });
    const url = await gitlab.listen();
    const api = new GitlabApiClient(url, ADMIN);
    const created = await api.post('/user/runners', { runner_type: 'instance_type', tag_list: 'docker' });
    const { id, token, token_expires_at } = created.json<{
      id: number;
      token: string;
      token_expires_at: string;
    }>();
    const obtainedAt = new Date(Date.parse(token_expires_at) - 30 * DAY_MS).toISOString();
    // Written by hand: comments, an unknown key and a layout of its own, all of which gitlab-runner drops.
    const original = [
      '# managed by hand',
      'concurrent = 2',
      'check_interval = 3',
      '',
      '[[runners]]',
      '  name = "fleet-a"',
      `  url = "${url}"`,
      `  id = ${id}`,
      `  token = "${token}"`,
      `  token_obtained_at = ${obtainedAt}`,
      `  token_expires_at = ${token_expires_at}`,
      '  executor = "docker"',
      '  not_a_key = true # ignored by gitlab-runner',
      '  [runners.docker]',
      '    image = "alpine:3.20"',
      '    volumes = ["/cache"]',
      '',
    ].join('\n');
    const schedule = manualRunAt();
    const { sim: runnerSim, configPath } = await harness({
      config: original,
      source: new GitlabJobSource(),
      start: false,
      options: { runAt: schedule.runAt },
    });
    const scheduled = runnerSim.nextEvent(isEvent('token-reset-scheduled'));
    await runnerSim.start();
    const { at } = await scheduled;
    const obtained = Date.parse(obtainedAt);
    expect(at.getTime()).toBe(obtained + 0.75 * (Date.parse(token_expires_at) - obtained));

    const rotated = runnerSim.nextEvent(isEvent('token-rotated'));
    const rescheduled = runnerSim.nextEvent(isEvent('token-reset-scheduled'));
    const modeBefore = (await stat(configPath)).mode & 0o777;
    const before = Date.now();
    schedule.fireLatest();
    const event = await rotated;
    expect(event.saved).toBe(true);
    const newToken = event.runner.token;
    expect(newToken).not.toBe(token);
    expect(newToken).toMatch(/^glrt-t1_/);

    const text = await readFile(configPath, 'utf8');
    const changes = diffRunnerConfigs(parsed(original), parsed(text));
    expect(onlyTokenRotation(changes)).toBe(true);
    expect(changes.map((c) => c.path).sort()).toEqual([
      'runners[0].token',
      'runners[0].token_expires_at',
      'runners[0].token_obtained_at',
    ]);
    expect(changes.find((c) => c.path === 'runners[0].token')?.after).toBe(newToken);
    const entry = parsed(text).runners?.[0];
    expect(Date.parse(entry?.token_obtained_at ?? '')).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(entry?.token_expires_at ?? '')).toBe(
      gitlab.store.runners.get(id)?.tokenExpiresAt?.getTime(),
    );
    // gitlab-runner's own layout: no comment, no unknown key, its defaults written out.
    expect(text).not.toContain('#');
    expect(text).not.toContain('not_a_key');
    expect(
      text.startsWith(
        [
          'concurrent = 2',
          'check_interval = 3',
          'connection_max_age = "15m0s"',
          'shutdown_timeout = 0',
          '',
          '[session_server]',
          '  session_timeout = 1800',
          '',
          '[[runners]]',
          '  name = "fleet-a"',
          `  url = "${url}"`,
          `  id = ${id}`,
          `  token = "${newToken}"`,
          '',
        ].join('\n'),
      ),
    ).toBe(true);
    expect(text).toContain('\n  [runners.docker]\n    tls_verify = false\n    image = "alpine:3.20"\n');
    // Written in place: the existing file keeps its mode, as os.WriteFile leaves it.
    expect((await stat(configPath)).mode & 0o777).toBe(modeBefore);

    // The old token is dead at GitLab; the new one works, and the simulator uses it.
    const verify = (t: string) =>
      fetch(`${url}/api/v4/runners/verify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: t, system_id: 's_000000000000' }),
      }).then((r) => r.status);
    expect(await verify(token)).toBe(403);
    expect(await verify(newToken)).toBe(200);
    const requestsBefore = gitlab.requests.count('POST /jobs/request');
    await runnerSim
      .nextEvent((e) => e.type === 'log' && e.level === 'error' && e.message.includes('403'), 200)
      .then(
        () => expect.fail('a job request with the old token'),
        () => undefined,
      );
    expect(gitlab.requests.count('POST /jobs/request')).toBeGreaterThan(requestsBefore);

    // The next reset is due at 75 % of the new token's life; the simulator's own save is not a config change.
    const next = await rescheduled;
    const newObtained = Date.parse(entry?.token_obtained_at ?? '');
    const newExpires = Date.parse(entry?.token_expires_at ?? '');
    expect(next.at.getTime()).toBeCloseTo(newObtained + 0.75 * (newExpires - newObtained), -1);
    for (let i = 0; i < 3; i++) {
      expect((await runnerSim.nextEvent(isEvent('config-check'))).result).toBe('unchanged');
    }
    expect(runnerSim.state()).toMatchObject({ configurationSaved: 1, configurationSavingErrors: 0 });
    expect(runnerSim.metricsText()).toContain('\ngitlab_runner_configuration_saved_total 1\n');
    expect(runnerSim.metricsText()).toMatch(
      /\ngitlab_runner_api_request_statuses_total\{endpoint="reset_token",method="POST",runner="[^"]+",status="201",system_id="s_ee3af03959fe"\} 1\n/,
    );
  });

  it('leaves tokens alone with FF_DISABLE_AUTOMATIC_TOKEN_ROTATION and only warns', async () => {
    gitlab = new GitlabSimulator({ adminToken: ADMIN, runnerTokenExpirationIntervalSeconds: 3600 });
    const url = await gitlab.listen();
    const api = new GitlabApiClient(url, ADMIN);
    const created = await api.post('/user/runners', { runner_type: 'instance_type' });
    const { token, token_expires_at } = created.json<{ token: string; token_expires_at: string }>();
    const config = [
      'concurrent = 1',
      '[[runners]]',
      '  name = "r"',
      `  url = "${url}"`,
      `  token = "${token}"`,
      `  token_obtained_at = ${new Date(Date.parse(token_expires_at) - 3600_000).toISOString()}`,
      `  token_expires_at = ${token_expires_at}`,
      '  executor = "shell"',
      '  [runners.feature_flags]',
      '    FF_DISABLE_AUTOMATIC_TOKEN_ROTATION = true',
      '',
    ].join('\n');
    const schedule = manualRunAt();
    const { sim: runnerSim, configPath } = await harness({
      config,
      source: new GitlabJobSource(),
      options: { runAt: schedule.runAt },
    });
    const warned = runnerSim.nextEvent(
      (e) =>
        e.type === 'log' &&
        e.level === 'warning' &&
        e.message.includes('Automatic token rotation is disabled'),
    );
    schedule.fireLatest();
    await warned;
    expect(await readFile(configPath, 'utf8')).toBe(config);
    expect(gitlab.requests.count('POST /runners/reset_authentication_token')).toBe(0);
  });
});
