/**
 * `npm run admin`: accounts from the command line, against an external database and beside a running Paddock on
 * the embedded one, with the password piped in or generated.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/client.js';
import { verifyPassword } from '../src/lib/passwords.js';
import { startServer, type ServerProcess } from './support/server-process.js';
import { createTestDatabase } from './support/test-db.js';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsxLoader = pathToFileURL(createRequire(path.join(apiDir, 'package.json')).resolve('tsx/esm')).href;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function admin(args: string[], env: Record<string, string>, stdin?: string) {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, '--conditions=@paddock/source', 'src/cli/admin.ts', ...args],
    {
      cwd: apiDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out })),
  );
}

// Each case starts the CLI (under tsx, from the sources) several times, and a server: minutes on a busy machine.
describe('npm run admin', { timeout: 120_000 }, () => {
  it('creates accounts with a piped or a generated password, and refuses bad input clearly', async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const env = { DATABASE_URL: database.url, PADDOCK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
    const db = createDatabase({ connectionString: database.url, maxConnections: 1 });
    cleanups.push(() => db.close());

    const piped = await admin(
      ['create', '--email', 'Ops@Example.test', '--role', 'operator'],
      env,
      'a piped good password\n',
    );
    expect(piped.out).toContain('Created operator ops@example.test.');
    expect(piped.out).not.toContain('a piped good password');
    const ops = await db.prisma.user.findUniqueOrThrow({ where: { email: 'ops@example.test' } });
    expect(ops.role).toBe('operator');
    expect(await verifyPassword('a piped good password', ops.passwordHash)).toBe(true);

    const generated = await admin(['create', '--email', 'root@example.test', '--role', 'admin'], env);
    expect(generated.code).toBe(0);
    const shown = /Password \(shown once\): (\S+)/.exec(generated.out)?.[1];
    expect(shown).toBeDefined();
    const root = await db.prisma.user.findUniqueOrThrow({ where: { email: 'root@example.test' } });
    expect(await verifyPassword(shown!, root.passwordHash)).toBe(true);
    expect(await db.prisma.auditEvent.count({ where: { action: 'user.create', targetId: root.id } })).toBe(1);

    const again = await admin(['create', '--email', 'root@example.test', '--role', 'admin'], env);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/exists already/);
    const badRole = await admin(['create', '--email', 'x@example.test', '--role', 'owner'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.out).toMatch(/--role must be one of viewer, operator, admin/);
    const badEmail = await admin(['create', '--email', 'not-an-email', '--role', 'viewer'], env);
    expect(badEmail.out).toMatch(/--email must be an email address/);
    const shortPassword = await admin(
      ['create', '--email', 'y@example.test', '--role', 'viewer'],
      env,
      'short\n',
    );
    expect(shortPassword.out).toMatch(/at least 12 characters/);
    expect(await db.prisma.user.count()).toBe(2);

    const reset = await admin(['reset-password', '--email', 'ops@example.test'], env);
    expect(reset.out).toMatch(/New password set/);
    const list = await admin(['list'], env);
    expect(list.out).toMatch(/ops@example\.test\s+operator\s+enabled/);
  });

  it('works before Paddock ever started, on a new embedded data dir', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-admin-cli-new-'));
    const created = await admin(
      ['create', '--email', 'early@example.test', '--role', 'admin'],
      { PADDOCK_DATA_DIR: dataDir },
      'an early good password\n',
    );
    expect(created.out).toContain('Created admin early@example.test.');
    expect((await admin(['list'], { PADDOCK_DATA_DIR: dataDir })).out).toMatch(/early@example\.test\s+admin/);
  });

  it('works while Paddock runs on the embedded database', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-admin-cli-'));
    const server: ServerProcess = await startServer({
      PADDOCK_DATA_DIR: dataDir,
      PADDOCK_ADMIN_EMAIL: '',
      PADDOCK_ADMIN_PASSWORD: '',
    });
    cleanups.push(() => server.stop());
    // No account yet: the server printed a one-time setup link.
    await expect.poll(() => server.output(), { timeout: 10_000 }).toMatch(/\/setup#token=pdx_/);
    const setupToken = /\/setup#token=(pdx_[\w-]+)/.exec(server.output())![1]!;
    const setup = (token: string) =>
      fetch(`${server.url}/api/v1/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, email: 'first@example.test', password: 'the first admin password' }),
      });
    const first = await setup(setupToken);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { user: { role: string } }).user.role).toBe('admin');
    // The link works once.
    expect((await setup(setupToken)).status).toBe(401);
    const created = await admin(
      ['create', '--email', 'live@example.test', '--role', 'viewer'],
      { PADDOCK_DATA_DIR: dataDir },
      'a live good password\n',
    );
    expect(created.out).toContain('Created viewer live@example.test.');
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'live@example.test', password: 'a live good password' }),
    });
    expect(login.status).toBe(200);
  });
});
