/**
 * The single-file bundle, built fresh into a temp directory by build.mjs (never a stale dist/), run with plain
 * Node as an operator would: --help, usage errors, enroll against a local server, run against a fake Paddock
 * and a clean SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, readBody, startHttpServer } from './support/http-server.js';
import { startFakePaddock } from './support/fake-paddock.js';

const run = promisify(execFile);
const agentDir = fileURLToPath(new URL('..', import.meta.url));

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-bundle-'));
  bundle = join(dir, 'paddock-agent.js');
  await run(process.execPath, [join(agentDir, 'build.mjs'), '--outfile', bundle], { cwd: agentDir });
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function agent(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bundle, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('bundle', () => {
  it('is one executable file with a shebang', async () => {
    const text = await readFile(bundle, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).not.toMatch(/from ['"](ws|zod|@paddock\/[a-z-]+)['"]/);
  });

  it('prints usage for --help and the version', async () => {
    const help = await agent(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('paddock-agent enroll --server URL --token TOKEN');
    expect((await agent(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with usage on a bad command line', async () => {
    const result = await agent(['run', '--config']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--config needs a value[\s\S]*Usage:/);
    expect((await agent(['run', '--config', 'c'], { PADDOCK_AGENT_LOG_LEVEL: 'loud' })).code).toBe(2);
  });

  it('refuses to run before enrollment (exit 1, a JSON log line saying what to do)', async () => {
    const result = await agent([
      'run',
      '--config',
      join(dir, 'none', 'config.toml'),
      '--state-dir',
      join(dir, 'empty'),
    ]);
    expect(result.code).toBe(1);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', msg: expect.stringContaining('paddock-agent enroll') });
  });

  it('enrolls, then runs: hello to Paddock, and exits 0 on SIGTERM after closing with 1000', async () => {
    const paddock = await startFakePaddock();
    const api = await startHttpServer((req, res) => {
      void readBody(req).then(() => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            machineId: '0190f3a4-7b1c-7d2e-8f3a-1234567890ab',
            credential: 'pac_bundle_secret',
            agentPath: '/agent',
          }),
        );
      });
    });
    const stateDir = join(dir, 'state');
    const configPath = join(dir, 'etc', 'config.toml');
    try {
      const enrolled = await agent([
        'enroll',
        '--server',
        api.url,
        '--token',
        'pde_0123456789abcdef0123',
        '--state-dir',
        stateDir,
        '--config',
        configPath,
      ]);
      expect(enrolled.stderr).toBe('');
      expect(enrolled).toMatchObject({ code: 0, stdout: expect.stringContaining('Enrolled this machine') });
      // Point the stored server at the fake websocket endpoint.
      const cred = JSON.parse(await readFile(join(stateDir, 'credential.json'), 'utf8')) as Record<
        string,
        string
      >;
      await writeFile(
        join(stateDir, 'credential.json'),
        JSON.stringify({ ...cred, server: `http://127.0.0.1:${paddock.port}` }),
      );

      const child = spawn(
        process.execPath,
        [
          bundle,
          'run',
          '--config',
          configPath,
          '--state-dir',
          stateDir,
          '--runner-metrics',
          `http://127.0.0.1:${await closedPort()}/metrics`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

      const socket = await paddock.connections.next(undefined, 15_000);
      expect(socket.request.headers.authorization).toBe('Bearer pac_bundle_secret');
      expect(await socket.messages.next()).toMatchObject({
        type: 'hello',
        hostname: expect.any(String),
        applied: null,
      });
      child.kill('SIGTERM');
      expect(await socket.closed).toEqual({ code: 1000, reason: 'agent stopping' });
      expect(await exited).toBe(0);
      expect(stdout).not.toContain('pac_bundle_secret');
      expect(
        stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { msg: string }).msg),
      ).toContain('stopped');
    } finally {
      await api.close();
      await paddock.close();
    }
  });
});
