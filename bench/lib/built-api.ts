/**
 * The built API (`apps/api/dist/server.js`) in a child process, started the way it is deployed: one port serving
 * REST, the websockets and the built web app (`apps/web/dist`, the server's default web directory), over an external
 * Postgres, so with the LISTEN/NOTIFY event bus. Its output goes to a log file; nothing of it is replaced.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVER = path.join(repo, 'apps/api/dist/server.js');
const WEB_INDEX = path.join(repo, 'apps/web/dist/index.html');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface BuiltApi {
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export class NotBuiltError extends Error {}

/**
 * Starts the built server on a free loopback port and resolves with its address once it prints it. `env` adds to
 * (or overrides) the variables the benchmark sets: production mode, no demo, no GitLab sync (the bench's GitLab does
 * not exist), warnings and errors logged only.
 */
export async function startBuiltApi(opts: {
  databaseUrl: string;
  secretKeyHex: string;
  logFile: string;
  env?: Record<string, string>;
  /** options for node itself, before the server's file (`--cpu-prof`, say) */
  nodeArgs?: string[];
}): Promise<BuiltApi> {
  for (const file of [SERVER, WEB_INDEX]) {
    if (!existsSync(file))
      throw new NotBuiltError(`${path.relative(repo, file)} is missing: run \`turbo run build\` first`);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-wall-api-'));
  const log = createWriteStream(opts.logFile);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), SERVER], {
    cwd: path.dirname(SERVER),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: opts.databaseUrl,
      PADDOCK_SECRET_KEY: opts.secretKeyHex,
      PADDOCK_DATA_DIR: dataDir,
      PADDOCK_DEMO: 'off',
      PADDOCK_GITLAB_SYNC_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cleanup = () => {
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  };

  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the API did not start within ${START_TIMEOUT_MS / 1000} s (see ${opts.logFile})`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const m = /running at (http:\/\/[^\s]+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the API exited with code ${code} while starting (see ${opts.logFile})`));
    });
  }).catch((err: unknown) => {
    cleanup();
    throw err;
  });

  return {
    url,
    pid: child.pid!,
    logFile: opts.logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}
