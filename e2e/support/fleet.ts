/**
 * A small fleet for the browser journeys, built from the real programs: a GitLab simulator of its own (fast
 * pipelines, fixed seed) and hosts that are each a paddock-agent enrolled through Paddock's API beside a
 * gitlab-runner simulator reading the config.toml the agent writes. Every process and directory it makes is
 * removed by `stop()`; a hard exit of the test worker still kills the children.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const AGENT = path.join(root, 'apps/agent/dist/paddock-agent.js');
const RUNNER_SIM = path.join(root, 'packages/gitlab-sim/dist/runner-sim-cli.js');
const GITLAB_SIM = path.join(root, 'packages/gitlab-sim/dist/gitlab-sim-cli.js');

/** Every child still running, for the exit handler. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
});

interface Child {
  proc: ChildProcess;
  /** the last lines it wrote to stderr, to say why it died */
  tail: () => string;
  exited: Promise<number | null>;
}

function node(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The test runner's loader hooks must not reach the programs under test.
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  alive.add(proc);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 30));
  };
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      alive.delete(proc);
      resolve(code);
    }),
  );
  return { proc, tail: () => lines.join('\n'), exited };
}

async function stopChild(child: Child | null): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const kill = setTimeout(() => child.proc.kill('SIGKILL'), 5_000);
  child.proc.kill('SIGCONT');
  child.proc.kill('SIGTERM');
  await child.exited;
  clearTimeout(kill);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const ALPHANUMERIC = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Each host gets its own system_id: they all share this computer's machine-id, from which it is derived. */
function randomSystemId(): string {
  return `r_${Array.from({ length: 12 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('')}`;
}

export interface GitlabSim {
  url: string;
  adminToken: string;
  stop: () => Promise<void>;
}

/** A GitLab simulator with a new pipeline every few seconds, so queues fill and runners get work quickly. */
export async function startGitlabSim(adminToken: string): Promise<GitlabSim> {
  const child = node(GITLAB_SIM, [
    '--port',
    '0',
    '--admin-token',
    adminToken,
    '--seed',
    '7',
    '--projects',
    '2',
    '--pipeline-seconds',
    '4',
  ]);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const found = /^url: (\S+)$/m.exec(out);
      if (found) resolve(found[1]!);
    });
    void child.exited.then((code) => reject(new Error(`gitlab-sim exited ${code}: ${child.tail()}`)));
  });
  return { url, adminToken, stop: () => stopChild(child) };
}

export interface Host {
  hostname: string;
  config: string;
  state: string;
  metricsUrl: string;
  agent: Child | null;
  runner: Child | null;
}

/** Hosts under one temporary directory, talking to the Paddock at `serverUrl`. */
export class Fleet {
  readonly hosts = new Map<string, Host>();
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'paddock-e2e-fleet-'));

  constructor(private readonly serverUrl: string) {}

  host(hostname: string): Host {
    const host = this.hosts.get(hostname);
    if (!host) throw new Error(`no host ${hostname} in the fleet`);
    return host;
  }

  /** Enrolls a host with an enrollment token, then starts its gitlab-runner simulator and its agent. */
  async add(hostname: string, enrollmentToken: string): Promise<Host> {
    const dir = path.join(this.dir, hostname);
    mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'config.toml');
    const state = path.join(dir, 'agent');
    writeFileSync(path.join(dir, '.runner_system_id'), randomSystemId(), { mode: 0o600 });
    const enroll = node(
      AGENT,
      [
        'enroll',
        '--server',
        this.serverUrl,
        '--token',
        enrollmentToken,
        '--state-dir',
        state,
        '--config',
        config,
      ],
      { PADDOCK_AGENT_HOSTNAME: hostname },
    );
    const code = await enroll.exited;
    if (code !== 0) throw new Error(`enrolling ${hostname} exited ${code}: ${enroll.tail()}`);
    const port = await freePort();
    const host: Host = {
      hostname,
      config,
      state,
      metricsUrl: `http://127.0.0.1:${port}/metrics`,
      agent: null,
      runner: null,
    };
    // Simulated job times at half speed, with the log sent every second: jobs run 2.5 s to a minute.
    host.runner = node(RUNNER_SIM, [
      '--config',
      config,
      '--gitlab-from-config',
      '--listen-address',
      `127.0.0.1:${port}`,
      '--time-scale',
      '0.5',
      '--trace-interval',
      '1',
    ]);
    this.hosts.set(hostname, host);
    this.startAgent(host);
    return host;
  }

  startAgent(host: Host): void {
    if (host.agent && host.agent.proc.exitCode === null) return;
    host.agent = node(
      AGENT,
      ['run', '--config', host.config, '--state-dir', host.state, '--runner-metrics', host.metricsUrl],
      { PADDOCK_AGENT_HOSTNAME: host.hostname },
    );
  }

  /** Stops the agent as a service manager would (gitlab-runner keeps running). */
  async stopAgent(host: Host): Promise<void> {
    await stopChild(host.agent);
    host.agent = null;
  }

  /** The `limit` gitlab-runner applies to a runner on this host, from its metrics (null: not configured). */
  async runnerLimit(host: Host, runnerName: string): Promise<number | null> {
    const text = await fetch(host.metricsUrl)
      .then((r) => r.text())
      .catch(() => '');
    for (const line of text.split('\n')) {
      if (line.startsWith('gitlab_runner_limit{') && line.includes(`name="${runnerName}"`)) {
        return Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return null;
  }

  /** The config.toml on the host, as the agent wrote it. */
  configText(host: Host): string {
    try {
      return readFileSync(host.config, 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.hosts.values()].flatMap((h) => [stopChild(h.agent), stopChild(h.runner)]));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
