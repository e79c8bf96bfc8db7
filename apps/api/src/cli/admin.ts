/**
 * `npm run admin -- <command>`: accounts from the server's command line, at any time — also while Paddock runs
 * (with the embedded database it connects to the running process's database), and when nobody can sign in.
 *
 *   create --email E --role viewer|operator|admin [--name N]
 *       a new account; the password is read from stdin when one is piped in, otherwise generated and printed once
 *   reset-password --email E
 *       a new password for an existing account (same rules), ending its sessions
 *   list
 *       every account with its role
 *
 * It reads the same environment as the server (DATABASE_URL, PADDOCK_DATA_DIR).
 */
import { parseArgs } from 'node:util';
import { Email, Password, Role } from '@paddock/contracts';
import { createDatabase, type Database } from '../db/client.js';
import { DataDirLockedError, runningEmbeddedDatabase } from '../db/embedded.js';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from '../db/migrations.js';
import { locateDatabase } from '../db/open.js';
import { EnvError, parseEnv, type Env } from '../env.js';
import { generatePassword, hashPassword } from '../lib/passwords.js';

const USAGE = `usage:
  npm run admin -- create --email E --role viewer|operator|admin [--name N]
  npm run admin -- reset-password --email E
  npm run admin -- list
The password is read from stdin when one is piped in (echo "$PW" | npm run admin -- create ...);
otherwise a strong one is generated and printed once.`;

class UsageError extends Error {}

async function openDatabase(env: Env): Promise<{ db: Database; close: () => Promise<void> }> {
  if (!env.DATABASE_URL) {
    const running = runningEmbeddedDatabase(env.PADDOCK_DATA_DIR);
    if (running) {
      const db = createDatabase({ connectionString: running, maxConnections: 1 });
      return { db, close: () => db.close() };
    }
  }
  try {
    const location = await locateDatabase(env);
    // Before Paddock's first start the database is empty: bring its schema up as the server would.
    if (env.PADDOCK_MIGRATE === 'auto')
      await applyMigrations({
        connectionString: location.connectionString,
        migrationsDir: env.PADDOCK_MIGRATIONS_DIR ?? DEFAULT_MIGRATIONS_DIR,
      }).catch(async (error: unknown) => {
        await location.close();
        throw error;
      });
    const db = createDatabase({ connectionString: location.connectionString, maxConnections: 1 });
    return {
      db,
      close: async () => {
        await db.close();
        await location.close();
      },
    };
  } catch (error) {
    if (error instanceof DataDirLockedError)
      throw new Error(`${error.message}\nIt is starting or stopping: try again in a few seconds.`, {
        cause: error,
      });
    throw error;
  }
}

/** The password piped into stdin (first line), or null when stdin is a terminal or empty. */
async function passwordFromStdin(): Promise<string | null> {
  if (process.stdin.isTTY) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  return line.length ? line : null;
}

async function choosePassword(): Promise<{ password: string; generated: boolean }> {
  const piped = await passwordFromStdin();
  if (piped === null) return { password: generatePassword(), generated: true };
  const checked = Password.safeParse(piped);
  if (!checked.success) throw new UsageError(`the password on stdin ${checked.error.issues[0]!.message}`);
  return { password: piped, generated: false };
}

function emailArg(value: string | undefined): string {
  if (!value) throw new UsageError('--email is required');
  const parsed = Email.safeParse(value);
  if (!parsed.success)
    throw new UsageError(`--email ${parsed.error.issues[0]!.message}: ${JSON.stringify(value)}`);
  return parsed.data;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (!['create', 'reset-password', 'list'].includes(command))
    throw new UsageError(`unknown command "${command}"`);
  const email = command === 'list' ? '' : emailArg(values.email);
  let role: Role = 'viewer';
  if (command === 'create') {
    const parsed = Role.safeParse(values.role);
    if (!parsed.success)
      throw new UsageError(
        `--role must be one of viewer, operator, admin (got ${JSON.stringify(values.role ?? '')})`,
      );
    role = parsed.data;
  }
  const password = command === 'list' ? null : await choosePassword();

  const env = parseEnv(process.env);
  const { db, close } = await openDatabase(env);
  try {
    const prisma = db.prisma;
    if (command === 'list') {
      const users = await prisma.user.findMany({ orderBy: { email: 'asc' } });
      if (users.length === 0) console.log('No accounts yet.');
      for (const u of users)
        console.log(`${u.email.padEnd(40)} ${u.role.padEnd(9)} ${u.disabledAt ? 'disabled' : 'enabled'}`);
      return 0;
    }
    const passwordHash = await hashPassword(password!.password);
    if (command === 'create') {
      if (await prisma.user.findUnique({ where: { email } })) {
        console.error(
          `An account with ${email} exists already (use reset-password to give it a new password).`,
        );
        return 1;
      }
      const user = await prisma.user.create({
        data: { email, role, name: values.name?.trim() || null, passwordHash },
      });
      await prisma.auditEvent.create({
        data: {
          actorType: 'system',
          actorLabel: 'npm run admin',
          action: 'user.create',
          targetType: 'user',
          targetId: user.id,
          after: { email, role, name: user.name },
        },
      });
      console.log(`Created ${role} ${email}.`);
    } else {
      const user = await prisma.user.findUnique({ where: { email } });
      if (!user) {
        console.error(`No account with ${email}.`);
        return 1;
      }
      await prisma.$transaction([
        prisma.user.update({ where: { id: user.id }, data: { passwordHash } }),
        prisma.session.deleteMany({ where: { userId: user.id } }),
        prisma.auditEvent.create({
          data: {
            actorType: 'system',
            actorLabel: 'npm run admin',
            action: 'user.reset_password',
            targetType: 'user',
            targetId: user.id,
          },
        }),
      ]);
      console.log(`New password set for ${email}; their sessions have ended.`);
    }
    if (password!.generated) console.log(`Password (shown once): ${password!.password}`);
    return 0;
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
    else if (error instanceof EnvError) console.error(error.message);
    else if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      console.error(`${(error as Error).message}\n\n${USAGE}`);
    else console.error(`admin: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
