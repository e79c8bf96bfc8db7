/**
 * Access at start: the first admin from PADDOCK_ADMIN_EMAIL/PADDOCK_ADMIN_PASSWORD, or — on a database with no
 * account — a one-time setup link printed to the terminal (valid 30 minutes, a new one at each start until it is
 * used). The demo account for the demo fleet gets a fresh password at each start, printed once.
 */
import type { FastifyInstance } from 'fastify';
import { generatePassword, hashPassword } from '../../lib/passwords.js';
import { generateToken, hashToken, tokenPrefix } from '../../lib/tokens.js';
import { authServiceOf, DEMO_EMAIL } from './auth.service.js';

/** Before listening: the first admin from the environment, so the very first request can sign in. */
export async function ensureFirstAdmin(app: FastifyInstance): Promise<void> {
  const { PADDOCK_ADMIN_EMAIL: email, PADDOCK_ADMIN_PASSWORD: password } = app.env;
  if (!email || !password) return;
  if (await authServiceOf(app).ensureAdminFromEnv(email, password)) {
    app.log.info({ email }, 'created the first admin from PADDOCK_ADMIN_EMAIL');
    await app.audit.record({ action: 'user.create', targetType: 'user', after: { email, role: 'admin' } });
  }
}

/** After listening: with no account at all, a one-time setup link for the first admin (valid 30 minutes). */
export async function printSetupLink(opts: {
  app: FastifyInstance;
  /** where people reach this Paddock, when PADDOCK_PUBLIC_URL does not say */
  baseUrl: string;
  print: (line: string) => void;
}): Promise<void> {
  const { app } = opts;
  const setup = await authServiceOf(app).createSetupToken();
  if (!setup) return;
  const base = app.env.PADDOCK_PUBLIC_URL ?? opts.baseUrl;
  opts.print(
    `  No account exists yet. Create the first admin within 30 minutes at:\n    ${base}/setup#token=${setup.token}\n` +
      '  (or set PADDOCK_ADMIN_EMAIL and PADDOCK_ADMIN_PASSWORD, or run: npm run admin -- create --email E --role admin)\n',
  );
}

/**
 * The demo's own admin account: a new password each start (printed, so whoever started the demo can sign in) and
 * a new write API token the demo fleet uses to register its runners through the API like anyone else.
 */
export async function prepareDemoAccount(
  app: FastifyInstance,
): Promise<{ email: string; password: string; apiToken: string }> {
  const prisma = app.db.prisma;
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const user = await prisma.user.upsert({
    where: { email: DEMO_EMAIL },
    create: { email: DEMO_EMAIL, name: 'Demo admin', role: 'admin', passwordHash },
    update: { passwordHash, role: 'admin', disabledAt: null },
  });
  await prisma.session.deleteMany({ where: { userId: user.id } });
  await prisma.apiToken.deleteMany({ where: { userId: user.id, name: 'demo fleet' } });
  const apiToken = generateToken('api');
  await prisma.apiToken.create({
    data: {
      userId: user.id,
      name: 'demo fleet',
      tokenHash: hashToken(apiToken),
      prefix: tokenPrefix(apiToken),
      scope: 'write',
    },
  });
  return { email: DEMO_EMAIL, password, apiToken };
}
