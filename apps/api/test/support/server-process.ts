/** Starts the real API process (src/server.ts through tsx) for tests that need the whole program. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { apiTokenFor, TEST_PASSWORD } from './auth.js';

export const TEST_ADMIN_EMAIL = 'admin@example.test';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// tsx as a loader inside the one node process, not its CLI: the CLI relays signals to a child it kills when the
// child does not confirm within 30 ms, which a busy machine does not always manage.
const tsxLoader = pathToFileURL(createRequire(path.join(apiDir, 'package.json')).resolve('tsx/esm')).href;

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** `fetch` on this server as its admin (a write API token made through the API at first use) */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  /** SIGTERM, then resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface Exited {
  code: number | null;
  output: string;
}

function start(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, '--conditions=@paddock/source', 'src/server.ts'],
    {
      cwd: apiDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LOG_LEVEL: 'warn',
        PORT: '0',
        // The demo fleet has its own test; the others start Paddock bare.
        PADDOCK_DEMO: 'off',
        PADDOCK_ADMIN_EMAIL: TEST_ADMIN_EMAIL,
        PADDOCK_ADMIN_PASSWORD: TEST_PASSWORD,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** Resolves once the server prints its URL; rejects with its output if it exits first. */
export async function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const p = start(env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${p.output()}`)), timeoutMs);
    const check = () => {
      const m = /running at (http:\/\/\S+)/.exec(p.output());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    p.child.stdout!.on('data', check);
    void p.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${p.output()}`));
    });
  });
  let bearer: Promise<string> | undefined;
  return {
    child: p.child,
    url,
    output: p.output,
    async fetch(pathOrUrl, init = {}) {
      bearer ??= apiTokenFor(url, TEST_ADMIN_EMAIL, TEST_PASSWORD);
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${await bearer}`);
      return fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${url}${pathOrUrl}`, { ...init, headers });
    },
    async stop(signal = 'SIGTERM') {
      p.child.kill(signal);
      return p.exited;
    },
  };
}

/** Runs the server expecting it to exit by itself (a refused start). */
export async function runServerToExit(env: Record<string, string>, timeoutMs = 60_000): Promise<Exited> {
  const p = start(env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, output: p.output() };
}
