/**
 * A host with the built paddock-agent (`apps/agent/dist/paddock-agent.js`, the single file operators install):
 * a directory with gitlab-runner's config.toml location and `.runner_system_id`, `paddock-agent enroll` against a
 * running API with a fresh enrollment token, then `paddock-agent run`. No gitlab-runner runs beside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repo } from './built-api.js';

const AGENT = path.join(repo, 'apps/agent/dist/paddock-agent.js');

interface AgentProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function runAgent(args: string[]): AgentProcess {
  if (!existsSync(AGENT)) {
    throw new Error(
      `${path.relative(repo, AGENT)} is missing: run the fault scenarios with \`npm run faults\``,
    );
  }
  const child = spawn(process.execPath, [AGENT, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PADDOCK_AGENT_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  return { child, output: () => out, exited };
}

export interface AgentHost {
  machineId: string;
  /** config.toml as it is now ('' while there is none) */
  configText(): string;
  start(): void;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | null>;
  /** kills the agent if it runs and removes the host directory */
  destroy(): Promise<void>;
}

/** Makes a host directory and enrolls it with Paddock at `url`, as the admin whose `authorization` is given. */
export async function enrollHost(
  api: { url: string; authorization: string },
  name: string,
  systemId: string,
): Promise<AgentHost> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `paddock-fault-host-${name}-`));
  const config = path.join(dir, 'etc', 'config.toml');
  const state = path.join(dir, 'state');
  mkdirSync(path.dirname(config), { recursive: true });
  // Distinct ids: every test host shares this machine's machine-id, from which gitlab-runner would derive one.
  writeFileSync(path.join(path.dirname(config), '.runner_system_id'), systemId, { mode: 0o600 });
  const res = await fetch(`${api.url}/api/v1/enrollment-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: api.authorization },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201) throw new Error(`enrollment token: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  const enroll = runAgent([
    'enroll',
    '--server',
    api.url,
    '--token',
    token,
    '--state-dir',
    state,
    '--config',
    config,
  ]);
  const code = await enroll.exited;
  const machineId = /as ([0-9a-f-]{36})/.exec(enroll.output())?.[1];
  if (code !== 0 || !machineId) throw new Error(`enroll exited ${code}:\n${enroll.output()}`);

  let agent: AgentProcess | null = null;
  return {
    machineId,
    configText() {
      try {
        return readFileSync(config, 'utf8');
      } catch {
        return '';
      }
    },
    start() {
      // Its metrics scrape goes to a closed port: there is no gitlab-runner.
      agent = runAgent([
        'run',
        '--config',
        config,
        '--state-dir',
        state,
        '--runner-metrics',
        'http://127.0.0.1:9/metrics',
      ]);
    },
    async stop() {
      const running = agent;
      agent = null;
      if (!running) return null;
      running.child.kill('SIGTERM');
      return running.exited;
    },
    async destroy() {
      const running = agent;
      agent = null;
      if (running && running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill('SIGKILL');
        await running.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
