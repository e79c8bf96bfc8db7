import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitlabApiClient } from './gitlab/api-client.js';
import { GitlabSimulator } from './gitlab/simulator.js';
import { main, USAGE, type HandledSignal, type RunnerSimIo } from './runner-sim-main.js';
import { configToml } from './test-support/config.js';
import { machineIdFile, tempDir, writeWithMtime } from './test-support/files.js';

/** In-process I/O: collects output and lets the test raise signals; `line` waits for matching output. */
function fakeIo() {
  let stdout = '';
  let stderr = '';
  const handlers = new Map<HandledSignal, Set<() => void>>();
  const waiters = new Set<() => void>();
  const io: RunnerSimIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => {
      stderr += t;
      for (const w of [...waiters]) w();
    },
    env: { RUNNER_TOKEN: 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY' },
    onSignal: (signal, handler) => {
      const set = handlers.get(signal) ?? new Set();
      set.add(handler);
      handlers.set(signal, set);
      return () => set.delete(handler);
    },
  };
  return {
    io,
    out: () => stdout,
    err: () => stderr,
    raise: (signal: HandledSignal) => handlers.get(signal)?.forEach((h) => h()),
    listening: (signal: HandledSignal) => handlers.get(signal)?.size ?? 0,
    line: (re: RegExp) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no output matching ${re} in:\n${stderr}`)), 10_000);
        const check = (): void => {
          const match = stderr.split('\n').find((l) => re.test(l));
          if (match === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(match);
        };
        waiters.add(check);
        check();
      }),
  };
}

describe('runner-sim usage', () => {
  it.each([
    [[], /--config PATH is required/],
    [['--config'], /--config needs a value/],
    [['--config', 'a', '--bogus'], /unknown argument "--bogus"/],
    [['--config', 'a', '--jobs', 'many'], /--jobs must be a whole number/],
    [['--config', 'a', '--jobs', '-1'], /--jobs must be a whole number/],
    [['--config', 'a', '--job-seconds', '0'], /--job-seconds must be a number of seconds above 0/],
    [['--config', 'a', '--job-seconds='], /--job-seconds must be a number/],
    [['-c', 'a', '--config', 'b'], /--config given twice/],
    [['-c', 'a', '--gitlab', 'x'], /--gitlab must be an http\(s\) URL/],
    [['-c', 'a', '--gitlab', 'http://g', '--gitlab-from-config'], /exclude each other/],
    [['-c', 'a', '--gitlab', 'http://g', '--jobs', '3'], /--jobs is for runs without a GitLab/],
    [['-c', 'a', '--time-scale', '0.1'], /--time-scale needs --gitlab/],
    [['-c', 'a', '--gitlab-from-config', '--time-scale', '0'], /--time-scale must be a number above 0/],
    [['-c', 'a', '--gitlab-from-config=yes'], /--gitlab-from-config takes no value/],
  ])('%j exits 2 with a clear message and the usage', async (argv, message) => {
    const t = fakeIo();
    expect(await main(argv, t.io)).toBe(2);
    expect(t.err()).toMatch(message);
    expect(t.err()).toContain(USAGE);
  });

  it('prints the usage for --help', async () => {
    const t = fakeIo();
    expect(await main(['--help'], t.io)).toBe(0);
    expect(t.out()).toBe(USAGE);
  });

  it('exits 1 when config.toml is broken', async () => {
    const dir = await tempDir();
    await writeWithMtime(join(dir, 'config.toml'), 'concurrent = [\n', 1_700_000_000);
    const t = fakeIo();
    expect(await main(['--config', join(dir, 'config.toml')], t.io)).toBe(1);
    expect(t.err()).toMatch(/cannot start: decoding configuration file/);
  });
});

describe('runner-sim run', () => {
  it('runs the jobs of a GitLab given with --gitlab, whatever url the runners have', async () => {
    const gitlab = new GitlabSimulator({ adminToken: 'glpat-admin-token-0000000' });
    try {
      const url = await gitlab.listen();
      const api = new GitlabApiClient(url, gitlab.adminToken);
      const { token } = (await api.post('/user/runners', { runner_type: 'instance_type' })).json<{
        token: string;
      }>();
      const group = gitlab.createGroup('acme');
      const project = gitlab.createProject({ name: 'shop', groupId: group.id });
      gitlab.createPipeline({
        projectId: project.id,
        ref: 'main',
        jobs: [{ name: 'build', stage: 'build', plan: { durationSeconds: 30, outcome: 'success' } }],
      });
      const dir = await tempDir();
      const config = join(dir, 'config.toml');
      await writeWithMtime(
        config,
        configToml({ concurrent: 1, runners: [{ name: 'sim', token }] }),
        1_700_000_000,
      );
      const t = fakeIo();
      const exit = main(
        ['--config', config, '--gitlab', url, '--time-scale', '0.01', '--trace-interval', '3'],
        t.io,
      );
      await t.line(/info: Verifying runner\.\.\. is valid/);
      await t.line(/job 1 success on runner/);
      t.raise('SIGTERM');
      expect(await exit).toBe(0);
      expect(gitlab.job(1)).toMatchObject({ status: 'success' });
      expect(gitlab.job(1)?.trace.toString()).toContain('Job succeeded');
    } finally {
      await gitlab.close();
    }
  });

  it('runs jobs, reloads on SIGHUP, stops on SIGTERM and unsubscribes from signals', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.toml');
    const text = configToml({
      concurrent: 2,
      listenAddress: '127.0.0.1:0',
      runners: [{ name: 'sim', token: '$RUNNER_TOKEN', requestConcurrency: 2 }],
    });
    await writeWithMtime(config, text, 1_700_000_000);
    const t = fakeIo();
    const exit = main(['--config', config, '--jobs', '3', '--job-seconds', '60'], t.io);
    await t.line(
      /started with system_id [sr]_\w{12}, 1 runners, metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/,
    );
    // $RUNNER_TOKEN came from the environment: the short token shows in the job lines.
    await t.line(/job 1 started on runner pQ7vN2xK9 \(sim\)/);

    await writeWithMtime(config, text.replace('concurrent = 2', 'concurrent = 3'), 1);
    t.raise('SIGHUP');
    await t.line(/SIGHUP: configuration reloaded/);
    await t.line(/3 worker slots/);
    await t.line(/job 3 started/);

    t.raise('SIGTERM');
    expect(await exit).toBe(0);
    expect(t.err()).toMatch(/job 1 canceled on runner pQ7vN2xK9/);
    expect(t.err()).toMatch(/stopped; jobs handed out 3, finished 3/);
    expect(t.listening('SIGTERM')).toBe(0);
    expect(t.listening('SIGHUP')).toBe(0);
  });

  it('exits 1 when a reload makes concurrent 0', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.toml');
    await writeWithMtime(config, configToml({ concurrent: 1 }), 1_700_000_000);
    const t = fakeIo();
    const exit = main(['--config', config], t.io);
    await t.line(/started with system_id/);
    await writeWithMtime(config, configToml({ concurrent: 0 }), 1);
    t.raise('SIGHUP');
    expect(await exit).toBe(1);
    expect(t.err()).toMatch(/fatal: Current configuration 'concurrent = 0'/);
  });

  it('works as a real process: SIGHUP reloads, SIGTERM exits 0', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.toml');
    await writeWithMtime(config, configToml({ concurrent: 1 }), 1_700_000_000);
    await machineIdFile(dir);
    const pkg = join(import.meta.dirname, '..');
    // One node process with tsx's loader, so that signals reach the simulator directly.
    const child = spawn(
      process.execPath,
      ['--conditions=@paddock/source', '--import', 'tsx', 'src/runner-sim-cli.ts', '--config', config],
      { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const seen = (re: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in:\n${stderr}`)), 20_000);
        const check = (): void => {
          if (!re.test(stderr)) return;
          clearTimeout(timer);
          child.stderr.off('data', check);
          resolve();
        };
        child.stderr.on('data', check);
        check();
      });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await seen(/started with system_id/);
      child.kill('SIGHUP');
      await seen(/SIGHUP: configuration reloaded/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
