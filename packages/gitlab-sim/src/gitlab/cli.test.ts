// The gitlab-sim command line, run in-process with fake I/O.
import { describe, expect, it } from 'vitest';
import { main, USAGE, type GitlabSimIo, type StopSignal } from './cli.js';
import { GitlabSimulator } from './simulator.js';

function fakeIo() {
  let stdout = '';
  let stderr = '';
  const handlers = new Map<StopSignal, Set<() => void>>();
  const waiters = new Set<() => void>();
  const io: GitlabSimIo = {
    stdout: (t) => {
      stdout += t;
      for (const w of [...waiters]) w();
    },
    stderr: (t) => (stderr += t),
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
    raise: (signal: StopSignal) => handlers.get(signal)?.forEach((h) => h()),
    listeners: () => [...handlers.values()].reduce((n, s) => n + s.size, 0),
    started: () =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!stdout.includes('admin-token:')) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}

describe('gitlab-sim usage', () => {
  it.each([
    [['--port', 'http'], /--port must be a whole number from 0 to 65535/],
    [['--port', '70000'], /--port must be a whole number/],
    [['--port'], /--port needs a value/],
    [['--seed', '-3'], /--seed must be a whole number/],
    [['--generator', 'maybe'], /--generator must be on or off/],
    [['--pipeline-seconds', '0'], /--pipeline-seconds must be a number of seconds above 0/],
    [['--admin-token', 'has space'], /--admin-token must be printable ASCII/],
    [['--bogus'], /unknown argument "--bogus"/],
    [['--seed', '1', '--seed=2'], /--seed given twice/],
  ])('%j exits 2 with a clear message and the usage', async (argv, message) => {
    const f = fakeIo();
    expect(await main(argv, f.io)).toBe(2);
    expect(f.err()).toMatch(message);
    expect(f.err()).toContain(USAGE);
  });

  it('prints the usage on --help', async () => {
    const f = fakeIo();
    expect(await main(['--help'], f.io)).toBe(0);
    expect(f.out()).toBe(USAGE);
  });
});

describe('gitlab-sim serving', () => {
  it('prints URL and admin token, serves the API and stops on SIGTERM', async () => {
    const f = fakeIo();
    const done = main(['--admin-token', 'glpat-fixed-for-scripts', '--seed', '9', '--projects', '2'], f.io);
    await f.started();
    const url = /^url: (\S+)$/m.exec(f.out())?.[1];
    expect(f.out()).toContain('admin-token: glpat-fixed-for-scripts\n');
    expect(f.out()).toContain(`api: ${url}/api/v4\n`);
    // The generator starts with one pipeline in one of the two projects.
    let jobs = 0;
    for (const project of [1, 2]) {
      const res = await fetch(`${url}/api/v4/projects/${project}/jobs`, {
        headers: { 'PRIVATE-TOKEN': 'glpat-fixed-for-scripts' },
      });
      expect(res.status).toBe(200);
      jobs += ((await res.json()) as unknown[]).length;
    }
    expect(jobs).toBeGreaterThan(0);
    f.raise('SIGTERM');
    expect(await done).toBe(0);
    expect(f.err()).toMatch(/SIGTERM: stopped after 2 requests/);
    expect(f.listeners()).toBe(0);
    await expect(fetch(`${url}/api/v4/version`)).rejects.toThrow();
  });

  it('serves no projects with the generator off, and exits 1 when the port is taken', async () => {
    const busy = new GitlabSimulator();
    const taken = Number(new URL(await busy.listen()).port);
    try {
      const f = fakeIo();
      expect(await main(['--port', String(taken), '--generator', 'off'], f.io)).toBe(1);
      expect(f.err()).toMatch(/cannot listen on 127\.0\.0\.1:\d+/);
      const g = fakeIo();
      const done = main(['--generator', 'off'], g.io);
      await g.started();
      expect(g.out()).toMatch(/^admin-token: glpat-/m);
      expect(g.err()).toContain('serving 0 projects');
      g.raise('SIGINT');
      expect(await done).toBe(0);
    } finally {
      await busy.close();
    }
  });
});
