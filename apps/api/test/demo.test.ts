/**
 * The demo fleet as a new user meets it: `npm start` with no GitLab connected shows five machines online with
 * their runners within 30 s, a restart builds it afresh (not twice), stopping Paddock stops all of it, and
 * PADDOCK_DEMO=off or a connected GitLab keep it off. Real processes throughout: the server, five agents and
 * five gitlab-runner simulators (built bundles, as `npm start` runs them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Machine, Runner } from '@paddock/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from './support/server-process.js';

const running: ServerProcess[] = [];
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null) await s.stop('SIGKILL');
});

let current: ServerProcess | undefined;

async function json<T>(url: string): Promise<T> {
  const res = await current!.fetch(url);
  // The server's own output says why, if it ever answers otherwise.
  expect(res.status, `${url}\n${current?.output() ?? ''}`).toBe(200);
  return (await res.json()) as T;
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Agents and gitlab-runner simulators of demo fleets running on this computer. */
const demoProcesses = () =>
  execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => /paddock-demo-[A-Za-z0-9]{6}\//.test(line));

/** Temporary directories of demo fleets. */
const demoDirs = () => readdirSync(os.tmpdir()).filter((d) => /^paddock-demo-[A-Za-z0-9]{6}$/.test(d));

const demoGitlabUrl = (output: string) => /simulated GitLab at (http:\/\/\S+?)\.?\n/.exec(output)?.[1];

describe('demo fleet', () => {
  it('shows a living fleet within 30 s, is rebuilt on restart, and stops with Paddock', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-demo-test-'));
    const started = Date.now();
    const server = await startServer({ PADDOCK_DATA_DIR: dataDir, PADDOCK_DEMO: 'auto' }, 60_000);
    running.push(server);
    current = server;
    const machines = await until(
      'five demo machines online and in sync',
      () => json<{ items: Machine[] }>(`${server.url}/api/v1/machines`),
      (m) =>
        m.items.length === 5 &&
        m.items.every((x) => x.connectionState === 'online' && x.revisionState === 'in_sync'),
      30_000 - (Date.now() - started),
    );
    expect(machines.items.map((m) => m.hostname).sort()).toEqual([
      'demo-runner-01',
      'demo-runner-02',
      'demo-runner-03',
      'demo-runner-04',
      'demo-runner-05',
    ]);
    const runners = await until(
      'the demo runners',
      () => json<{ items: Runner[] }>(`${server.url}/api/v1/runners`),
      (r) => r.items.length === 2,
      30_000 - (Date.now() - started),
    );
    expect(runners.items.map((r) => [r.description, r.machineCount]).sort()).toEqual([
      ['deployer', 2],
      ['docker-linux', 3],
    ]);
    // The demo is built in the background; it says where its GitLab is once it is complete.
    const gitlabUrl = await until(
      'the demo to say it runs',
      async () => demoGitlabUrl(server.output()),
      Boolean,
      15_000,
    );
    expect((await fetch(`${gitlabUrl}/api/v4/version`)).status).toBe(401);

    // Stopping Paddock stops the simulated GitLab and every demo process with it.
    expect(await server.stop('SIGTERM')).toBe(0);
    await expect(fetch(`${gitlabUrl}/api/v4/version`)).rejects.toThrow();

    // Started again on the same data: the demo is built afresh, not added to the old one.
    const again = await startServer({ PADDOCK_DATA_DIR: dataDir, PADDOCK_DEMO: 'auto' }, 60_000);
    running.push(again);
    current = again;
    const rebuilt = await until(
      'the rebuilt demo fleet',
      () => json<{ items: Machine[] }>(`${again.url}/api/v1/machines`),
      (m) => m.items.length >= 5 && m.items.every((x) => x.connectionState === 'online'),
      30_000,
    );
    expect(rebuilt.items).toHaveLength(5);
    await until(
      'the demo runners registered again',
      () => json<{ items: Runner[] }>(`${again.url}/api/v1/runners`),
      (r) => r.items.length === 2,
      15_000,
    );
    const instances = await json<{ items: unknown[] }>(`${again.url}/api/v1/gitlab-instances`);
    expect(instances.items).toHaveLength(1);
    expect(await again.stop('SIGTERM')).toBe(0);
    // Two starts and stops of the whole program: the 30 s promise is checked by the first wait above.
  }, 120_000);

  it('leaves nothing running when Paddock is stopped while the demo is being built', async () => {
    const before = new Set(demoProcesses());
    const dirsBefore = new Set(demoDirs());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-demo-early-'));
    const server = await startServer({ PADDOCK_DATA_DIR: dataDir, PADDOCK_DEMO: 'auto' }, 60_000);
    running.push(server);
    current = server;
    // Some agents are up, the rest are still being started.
    await until(
      'the first demo machine',
      () => json<{ items: Machine[] }>(`${server.url}/api/v1/machines`),
      (m) => m.items.length >= 1,
      30_000,
    );
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(demoProcesses().filter((p) => !before.has(p))).toEqual([]);
    // Its temporary directory is gone with it.
    expect(demoDirs().filter((d) => !dirsBefore.has(d))).toEqual([]);
  }, 60_000);

  it('stays off with PADDOCK_DEMO=off', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-demo-off-'));
    const server = await startServer({ PADDOCK_DATA_DIR: dataDir, PADDOCK_DEMO: 'off' });
    running.push(server);
    current = server;
    const machines = await json<{ items: Machine[] }>(`${server.url}/api/v1/machines`);
    expect(machines.items).toEqual([]);
    expect(server.output()).not.toContain('demo fleet');
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(existsSync(dataDir)).toBe(true);
  });
});
