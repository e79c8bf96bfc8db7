/**
 * The demo fleet `npm start` shows when no GitLab is connected: a simulated GitLab (with a job generator) in this
 * process, and five machines, each a real paddock-agent beside a gitlab-runner simulator in a temporary directory,
 * enrolled and given runners through Paddock's own API, exactly as a person would. Everything stops with Paddock.
 *
 * The simulated GitLab lives in memory, so each start builds the demo afresh: what a previous demo left in the
 * database (its GitLab instance's runners, its machines, its enrollment token) is removed first. Nothing else is
 * touched, and once a real GitLab is connected the demo does not start at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GitlabSimulator } from '@paddock/gitlab-sim';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

export const DEMO_GITLAB_NAME = 'Demo GitLab (simulated)';
const DEMO_TOKEN_NAME = 'Demo fleet';
const DEMO_LABEL = 'demo';

export interface DemoOptions {
  app: FastifyInstance;
  /** where Paddock listens, for the agents */
  serverUrl: string;
  agentBundle: string;
  runnerSimulator: string;
  log: FastifyBaseLogger;
  /** a write API token of an admin: the demo registers its runners through the API like anyone else */
  apiToken: string;
  machines?: number;
  /** seconds between new pipelines in the simulated GitLab */
  pipelineIntervalMs?: number;
  /** factor on simulated job run times (0.2: five times faster than planned) */
  timeScale?: number;
  /** Paddock is stopping: give up building the demo and stop what was started */
  signal?: AbortSignal;
}

export interface DemoFleet {
  gitlabUrl: string;
  machineIds: string[];
  stop(): Promise<void>;
}

interface MachinePlan {
  hostname: string;
  pool: 'docker' | 'deploy';
  region: string;
}

/** Why the demo cannot start here, or null. */
export function demoUnavailable(opts: { agentBundle: string; runnerSimulator: string }): string | null {
  if (!existsSync(opts.agentBundle)) return `the agent bundle is missing (${opts.agentBundle}); build first`;
  if (!existsSync(opts.runnerSimulator))
    return `the gitlab-runner simulator is missing (${opts.runnerSimulator}); build first`;
  return null;
}

const ALPHANUMERIC = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A system_id as gitlab-runner makes one when it has no machine-id: `r_` and 12 random alphanumerics. */
function randomSystemId(): string {
  return `r_${Array.from({ length: 12 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('')}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** A child process whose last lines of output are kept, to say why it died. */
function child(
  command: string,
  args: string[],
  log: FastifyBaseLogger,
  name: string,
  env: Record<string, string> = {},
): ChildProcess {
  const proc = spawn(process.execPath, [command, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  const tail: string[] = [];
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    tail.push(...chunk.split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  });
  proc.on('exit', (code, signal) => {
    if (signal === 'SIGTERM' || code === 0) return;
    log.warn({ name, code, signal, output: tail.slice(-5) }, 'a demo process stopped');
  });
  return proc;
}

function runToEnd(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(command)} exited ${code}: ${output.trim()}`)),
    );
  });
}

async function stopAll(procs: ChildProcess[]): Promise<void> {
  const alive = procs.filter((p) => p.exitCode === null && p.signalCode === null);
  await Promise.all(
    alive.map(
      (p) =>
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => p.kill('SIGKILL'), 5_000);
          p.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          p.kill('SIGTERM');
        }),
    ),
  );
}

export async function startDemoFleet(opts: DemoOptions): Promise<DemoFleet> {
  const { app, log } = opts;
  const count = opts.machines ?? 5;
  const inject = async <T>(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<T> => {
    opts.signal?.throwIfAborted();
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${opts.apiToken}` },
      ...(payload !== undefined && { payload: payload as object }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
    return res.json<T>();
  };

  const sim = new GitlabSimulator({
    generator: { pipelineIntervalMs: opts.pipelineIntervalMs ?? 15_000 },
    runnerTokenExpirationIntervalSeconds: 30 * 24 * 3600,
  });
  const gitlabUrl = await sim.listen(0, '127.0.0.1');
  const procs: ChildProcess[] = [];
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'paddock-demo-'));
  const stop = async () => {
    await stopAll(procs);
    await sim.close();
    await rm(workDir, { recursive: true, force: true });
  };

  try {
    // What a previous demo left behind: its GitLab's runners, its machines and its enrollment token.
    const prisma = app.db.prisma;
    const previous = await prisma.gitlabInstance.findUnique({ where: { name: DEMO_GITLAB_NAME } });
    if (previous) {
      await prisma.runner.deleteMany({ where: { gitlabInstanceId: previous.id } });
      await prisma.watchedScope.deleteMany({ where: { gitlabInstanceId: previous.id } });
      await prisma.jobSnapshot.deleteMany({ where: { gitlabInstanceId: previous.id } });
    }
    await prisma.machine.deleteMany({ where: { labels: { path: [DEMO_LABEL], equals: 'true' } } });
    await prisma.enrollmentToken.deleteMany({ where: { name: DEMO_TOKEN_NAME } });

    // Paddock connects to the simulated GitLab through its API, checks included.
    const connection = { url: gitlabUrl, accessToken: sim.adminToken };
    const instance = previous
      ? await inject<{ id: string }>('PATCH', `/api/v1/gitlab-instances/${previous.id}`, connection)
      : await inject<{ id: string }>('POST', '/api/v1/gitlab-instances', {
          name: DEMO_GITLAB_NAME,
          ...connection,
        });
    const groupId = sim.generator?.setUp()[0]?.groupId;

    const plans: MachinePlan[] = Array.from({ length: count }, (_, i) => ({
      hostname: `demo-runner-${String(i + 1).padStart(2, '0')}`,
      pool: i < Math.ceil((count * 3) / 5) ? 'docker' : 'deploy',
      region: i % 2 === 0 ? 'eu-west' : 'us-east',
    }));

    // Five hosts: each an agent, enrolled with a token carrying its labels, beside a gitlab-runner simulator.
    const machineIds: string[] = [];
    for (const plan of plans) {
      const token = await inject<{ token: string }>('POST', '/api/v1/enrollment-tokens', {
        name: DEMO_TOKEN_NAME,
        maxUses: 1,
        labels: { [DEMO_LABEL]: 'true', pool: plan.pool, region: plan.region },
      });
      opts.signal?.throwIfAborted();
      const dir = path.join(workDir, plan.hostname);
      await mkdir(dir, { recursive: true });
      const config = path.join(dir, 'config.toml');
      const state = path.join(dir, 'agent');
      // Every demo host shares this computer's machine-id, from which gitlab-runner derives its system_id:
      // each gets a random one instead, in the file gitlab-runner (and the agent) read beside config.toml.
      await writeFile(path.join(dir, '.runner_system_id'), randomSystemId(), { mode: 0o600 });
      await runToEnd(opts.agentBundle, [
        'enroll',
        '--server',
        opts.serverUrl,
        '--token',
        token.token,
        '--state-dir',
        state,
        '--config',
        config,
      ]);
      const metricsPort = await freePort();
      procs.push(
        child(
          opts.runnerSimulator,
          [
            '--config',
            config,
            '--gitlab-from-config',
            '--listen-address',
            `127.0.0.1:${metricsPort}`,
            '--time-scale',
            String(opts.timeScale ?? 0.25),
            '--trace-interval',
            '3',
          ],
          log,
          `runner-sim ${plan.hostname}`,
        ),
        child(
          opts.agentBundle,
          [
            'run',
            '--config',
            config,
            '--state-dir',
            state,
            '--runner-metrics',
            `http://127.0.0.1:${metricsPort}/metrics`,
          ],
          log,
          `agent ${plan.hostname}`,
          { PADDOCK_AGENT_HOSTNAME: plan.hostname },
        ),
      );
    }
    // The machines appear as their agents enroll; their hostnames come with the first hello.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = await prisma.machine.findMany({
        where: { labels: { path: [DEMO_LABEL], equals: 'true' } },
        select: { id: true, connectionState: true },
      });
      machineIds.splice(0, machineIds.length, ...rows.map((r) => r.id));
      if (rows.length >= count && rows.every((r) => r.connectionState === 'online')) break;
      if (Date.now() > deadline) throw new Error(`only ${rows.length} of ${count} demo machines came online`);
      opts.signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, 250));
    }

    // Runners registered from Paddock, as the register form does: docker work on the docker pool (a fleet
    // budget), deployments on protected refs on the deploy pool. gpu and macOS jobs have no runner: stuck.
    await inject('POST', '/api/v1/runners', {
      gitlabInstanceId: instance.id,
      runnerType: 'instance_type',
      description: 'docker-linux',
      tags: ['docker', 'linux', 'postgres'],
      runUntagged: true,
      executor: { name: 'docker', settings: { docker: { image: 'alpine:3.20' } } },
      limits: { limitMode: 'fleet_budget', limit: 8, requestConcurrency: 2 },
      machines: { labels: [`${DEMO_LABEL}=true`, 'pool=docker'] },
    });
    await inject('POST', '/api/v1/runners', {
      gitlabInstanceId: instance.id,
      runnerType: 'instance_type',
      description: 'deployer',
      tags: ['deploy'],
      accessLevel: 'ref_protected',
      executor: { name: 'shell', settings: {} },
      limits: { limitMode: 'per_machine', limit: 1 },
      machines: { labels: [`${DEMO_LABEL}=true`, 'pool=deploy'] },
    });
    // The generated projects' jobs show in the queues.
    if (groupId !== undefined) {
      await inject('POST', `/api/v1/gitlab-instances/${instance.id}/watched-scopes`, {
        kind: 'group',
        gitlabId: groupId,
      });
    }
    // Read the simulated GitLab now rather than at the next interval, so runners' managers and the job queues show.
    await inject('POST', `/api/v1/gitlab-instances/${instance.id}/sync`).catch((err: unknown) =>
      log.warn({ err }, 'the first sync of the demo GitLab failed; the next interval retries'),
    );
    log.info({ gitlabUrl, machines: machineIds.length }, 'demo fleet running');
    return { gitlabUrl, machineIds, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
