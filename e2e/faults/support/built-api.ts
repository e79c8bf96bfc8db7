/**
 * The built API (`apps/api/dist/server.js`, which `npm run faults` builds first) as a child process over an
 * external Postgres, so with the LISTEN/NOTIFY event bus, started the way it is deployed. A scenario can kill it
 * with any signal and start it again on the same port. Every process started here is killed when the test
 * process exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVER = path.join(repo, 'apps/api/dist/server.js');

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

export interface BuiltApi {
  url: string;
  port: number;
  child: ChildProcess;
  /** the last lines it printed */
  tail(): string;
  /** calls `listener` with every line it prints from now on */
  onLine(listener: (line: string) => void): void;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the built server on `port` and resolves once it listens. */
export async function startBuiltApi(env: Record<string, string>, port: number): Promise<BuiltApi> {
  if (!existsSync(SERVER)) {
    throw new Error(
      `${path.relative(repo, SERVER)} is missing: run the fault scenarios with \`npm run faults\``,
    );
  }
  const child = spawn(process.execPath, [SERVER], {
    cwd: path.dirname(SERVER),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PADDOCK_DEMO: 'off',
      PADDOCK_GITLAB_SYNC_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      alive.delete(child);
      resolve();
    }),
  );
  const lines: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  let partial = '';
  const read = (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      for (const l of listeners) l(line);
    }
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the API did not start:\n${lines.join('\n')}`)), 120_000);
    listeners.push((line) => {
      const m = /running at (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the API exited (${child.exitCode ?? child.signalCode}):\n${lines.join('\n')}`));
    });
  });
  return {
    url,
    port,
    child,
    tail: () => lines.join('\n'),
    onLine: (listener) => listeners.push(listener),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
