/**
 * Whether to run the demo fleet at start, and running it: only with `PADDOCK_DEMO=auto` (the default) and no
 * GitLab connected other than the demo's own. A demo that cannot start is reported and Paddock serves on.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Env } from '../env.js';
import { prepareDemoAccount } from '../modules/auth/bootstrap.js';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningDemo {
  stop(): Promise<void>;
}

export async function startDemoIfWanted(opts: {
  app: FastifyInstance;
  env: Env;
  serverUrl: string;
  log: FastifyBaseLogger;
  signal?: AbortSignal;
}): Promise<RunningDemo | null> {
  const { app, env, log } = opts;
  if (env.PADDOCK_DEMO === 'off') return null;
  // Loaded only when a demo may run: production servers never load the simulators.
  const { DEMO_GITLAB_NAME, demoUnavailable, startDemoFleet } = await import('./demo-fleet.js');
  const connected = await app.db.prisma.gitlabInstance.count({ where: { name: { not: DEMO_GITLAB_NAME } } });
  if (connected > 0) {
    log.info('a GitLab is connected: the demo fleet stays off');
    return null;
  }
  const files = {
    agentBundle: env.PADDOCK_AGENT_BUNDLE ?? path.resolve(packageDir, '../agent/dist/paddock-agent.js'),
    runnerSimulator: path.resolve(packageDir, '../../packages/gitlab-sim/dist/runner-sim-cli.js'),
  };
  const missing = demoUnavailable(files);
  if (missing) {
    log.warn(`no demo fleet: ${missing}`);
    return null;
  }
  console.log('  No GitLab is connected: starting a demo fleet (a simulated GitLab and five machines)…');
  try {
    const account = await prepareDemoAccount(app);
    console.log(`  Demo login: ${account.email} / ${account.password}  (a new password at each start)\n`);
    const demo = await startDemoFleet({
      app,
      serverUrl: opts.serverUrl,
      log,
      signal: opts.signal,
      apiToken: account.apiToken,
      ...files,
    });
    console.log(
      `  Demo fleet running: ${demo.machineIds.length} machines, simulated GitLab at ${demo.gitlabUrl}.\n` +
        '  It stops with Paddock. Connect your own GitLab on the GitLab page (or set PADDOCK_DEMO=off) to turn it off.\n',
    );
    return demo;
  } catch (err) {
    if (opts.signal?.aborted) return null;
    log.error({ err }, 'the demo fleet could not start; Paddock runs without it');
    return null;
  }
}
