/**
 * People signing in: login with throttling, sessions (idle and absolute expiry), the first admin's setup link,
 * invitations and password changes. Sessions, setup and invitation links are stored as SHA-256 hashes only; the
 * CSRF token is derived from the session token, so it needs no storage of its own and dies with the session.
 */
import { createHmac } from 'node:crypto';
import { Email, type CurrentUser, type Role, type SessionInfo } from '@paddock/contracts';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '../../db/client.js';
import {
  ConflictError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from '../../lib/errors.js';
import { hashPassword, verifyPassword } from '../../lib/passwords.js';
import { generateToken, hashToken } from '../../lib/tokens.js';

/** The demo fleet's own admin (a new password at each start); it does not count as someone having set Paddock up. */
export const DEMO_EMAIL = 'demo@paddock.local';
/** Accounts that mean Paddock has been set up: any but the demo's. */
const REAL_ACCOUNTS = { where: { email: { not: DEMO_EMAIL } } };

/** Failures allowed before delays start, per account and per source address. */
const FREE_FAILURES = { email: 5, ip: 20 } as const;
const MAX_DELAY_MS = 15 * 60_000;
const SETUP_LINK_MS = 30 * 60_000;
export const INVITE_LINK_MS = 7 * 24 * 60 * 60_000;
const WRONG_LOGIN = 'Email or password is incorrect.';

/** The delay after `failures` failed attempts: none for the first few, then 1 s, 2 s, 4 s … up to 15 minutes. */
export function throttleDelayMs(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.min(20, failures - free));
}

/**
 * What a failed sign-in may keep of the email typed: the address, or null when it is not one, since people type
 * their password into the email field and it must not be stored in clear (throttle keys, audit events).
 */
export function attemptedEmail(input: string): string | null {
  const parsed = Email.safeParse(input);
  return parsed.success ? parsed.data : null;
}

export function csrfTokenFor(sessionToken: string): string {
  return 'pdc_' + createHmac('sha256', sessionToken).update('paddock csrf').digest('base64url');
}

export interface SessionOptions {
  idleMinutes: number;
  maxHours: number;
}

export interface NewSession {
  token: string;
  info: SessionInfo;
}

function toCurrentUser(u: { id: string; email: string; name: string | null; role: Role }): CurrentUser {
  return { id: u.id, email: u.email, name: u.name, role: u.role };
}

export function authService(deps: { prisma: PrismaClient; sessions: SessionOptions; now?: () => Date }) {
  const { prisma } = deps;
  const now = deps.now ?? (() => new Date());
  const idleMs = deps.sessions.idleMinutes * 60_000;
  const maxMs = deps.sessions.maxHours * 3_600_000;

  async function lockedFor(keys: string[], at: Date): Promise<number> {
    const rows = await prisma.loginThrottle.findMany({ where: { key: { in: keys } } });
    let wait = 0;
    for (const r of rows)
      if (r.lockedUntil && r.lockedUntil > at) wait = Math.max(wait, r.lockedUntil.getTime() - at.getTime());
    return wait;
  }

  async function recordFailure(key: string, free: number, at: Date) {
    const row = await prisma.loginThrottle.upsert({
      where: { key },
      create: { key, failures: 1 },
      update: { failures: { increment: 1 } },
    });
    const delay = throttleDelayMs(row.failures, free);
    if (delay > 0)
      await prisma.loginThrottle.update({
        where: { key },
        data: { lockedUntil: new Date(at.getTime() + delay) },
      });
  }

  async function createSession(
    user: { id: string; email: string; name: string | null; role: Role },
    client: { ip: string; userAgent: string | undefined },
  ): Promise<NewSession> {
    const token = generateToken('session');
    const csrfToken = csrfTokenFor(token);
    const at = now();
    const expiresAt = new Date(at.getTime() + maxMs);
    await prisma.session.create({
      data: {
        tokenHash: hashToken(token),
        userId: user.id,
        csrfHash: hashToken(csrfToken),
        ip: client.ip.slice(0, 64),
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        expiresAt,
        lastSeenAt: at,
      },
    });
    await prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: at } });
    return {
      token,
      info: {
        user: toCurrentUser(user),
        csrfToken,
        expiresAt: expiresAt.toISOString(),
        idleExpiresAt: new Date(Math.min(expiresAt.getTime(), at.getTime() + idleMs)).toISOString(),
      },
    };
  }

  return {
    createSession,

    /**
     * Checks a password. Unknown, disabled and password-less accounts answer exactly like a wrong password, after
     * the same scrypt work; throttled attempts answer 429 before any password is checked.
     */
    async login(
      email: string,
      password: string,
      client: { ip: string; userAgent: string | undefined },
    ): Promise<NewSession> {
      const at = now();
      const normalized = email.trim().toLowerCase();
      const keys = {
        email: `email:${attemptedEmail(normalized) ?? `sha256:${hashToken(normalized)}`}`.slice(0, 400),
        ip: `ip:${client.ip}`.slice(0, 400),
      };
      const wait = await lockedFor([keys.email, keys.ip], at);
      if (wait > 0)
        throw new RateLimitedError(
          Math.ceil(wait / 1000),
          `Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} s.`,
        );
      const user = await prisma.user.findUnique({ where: { email: normalized } });
      const ok = await verifyPassword(password, user?.passwordHash);
      if (!ok || !user || user.disabledAt) {
        await recordFailure(keys.email, FREE_FAILURES.email, at);
        await recordFailure(keys.ip, FREE_FAILURES.ip, at);
        throw new UnauthorizedError(WRONG_LOGIN);
      }
      await prisma.loginThrottle.deleteMany({ where: { key: keys.email } });
      return createSession(user, client);
    },

    async sessionInfo(sessionToken: string): Promise<SessionInfo> {
      const row = await prisma.session.findUnique({
        where: { tokenHash: hashToken(sessionToken) },
        include: { user: true },
      });
      if (!row) throw new UnauthorizedError();
      return {
        user: toCurrentUser(row.user),
        csrfToken: csrfTokenFor(sessionToken),
        expiresAt: row.expiresAt.toISOString(),
        idleExpiresAt: new Date(
          Math.min(row.expiresAt.getTime(), row.lastSeenAt.getTime() + idleMs),
        ).toISOString(),
      };
    },

    async logout(sessionToken: string): Promise<void> {
      await prisma.session.deleteMany({ where: { tokenHash: hashToken(sessionToken) } });
    },

    /** Ends every session of a person; returns how many. */
    async logoutEverywhere(userId: string): Promise<number> {
      const { count } = await prisma.session.deleteMany({ where: { userId } });
      return count;
    },

    async setupNeeded(): Promise<boolean> {
      if ((await prisma.user.count(REAL_ACCOUNTS)) > 0) return false;
      return (
        (await prisma.setupToken.count({ where: { userId: null, usedAt: null, expiresAt: { gt: now() } } })) >
        0
      );
    },

    /** A one-time link for the first admin, valid 30 minutes; null when someone already has an account. */
    async createSetupToken(): Promise<{ token: string; expiresAt: Date } | null> {
      if ((await prisma.user.count(REAL_ACCOUNTS)) > 0) return null;
      const token = generateToken('setup');
      const expiresAt = new Date(now().getTime() + SETUP_LINK_MS);
      await prisma.setupToken.create({ data: { tokenHash: hashToken(token), expiresAt } });
      return { token, expiresAt };
    },

    /** Uses the setup link: creates the first admin, once, and signs them in. */
    async completeSetup(
      body: { token: string; email: string; name?: string | undefined; password: string },
      client: { ip: string; userAgent: string | undefined },
    ): Promise<NewSession> {
      const passwordHash = await hashPassword(body.password);
      const at = now();
      const user = await prisma.$transaction(async (tx) => {
        const used = await tx.setupToken.updateMany({
          where: { tokenHash: hashToken(body.token), userId: null, usedAt: null, expiresAt: { gt: at } },
          data: { usedAt: at },
        });
        if (used.count === 0)
          throw new UnauthorizedError(
            'The setup link is not valid (unknown, used or older than 30 minutes).',
          );
        if ((await tx.user.count(REAL_ACCOUNTS)) > 0)
          throw new ConflictError('Paddock already has an account; sign in instead.');
        return tx.user.create({
          data: { email: body.email, name: body.name ?? null, role: 'admin', passwordHash },
        });
      });
      return createSession(user, client);
    },

    /** A one-time link for an invited (or locked-out) person to choose a password, valid 7 days. */
    async createInvite(userId: string): Promise<string> {
      const token = generateToken('invite');
      await prisma.$transaction([
        prisma.setupToken.deleteMany({ where: { userId, usedAt: null } }),
        prisma.setupToken.create({
          data: {
            tokenHash: hashToken(token),
            userId,
            expiresAt: new Date(now().getTime() + INVITE_LINK_MS),
          },
        }),
      ]);
      return token;
    },

    async acceptInvite(
      body: { token: string; password: string },
      client: { ip: string; userAgent: string | undefined },
    ): Promise<NewSession> {
      const passwordHash = await hashPassword(body.password);
      const at = now();
      const user = await prisma.$transaction(async (tx) => {
        const link = await tx.setupToken.findUnique({ where: { tokenHash: hashToken(body.token) } });
        if (!link || !link.userId || link.usedAt || link.expiresAt <= at)
          throw new UnauthorizedError(
            'The invitation link is not valid (unknown, used or expired); ask for a new one.',
          );
        await tx.setupToken.update({ where: { id: link.id }, data: { usedAt: at } });
        const found = await tx.user.findUnique({ where: { id: link.userId } });
        if (!found || found.disabledAt) throw new UnauthorizedError('This account is disabled.');
        // A new password ends every older session of this account.
        await tx.session.deleteMany({ where: { userId: found.id } });
        return tx.user.update({ where: { id: found.id }, data: { passwordHash } });
      });
      return createSession(user, client);
    },

    /** Changes one's own password and ends every other session of the account. */
    async changePassword(
      userId: string,
      currentPassword: string,
      newPassword: string,
      keepSessionId: string | null,
    ): Promise<void> {
      const user = await prisma.user.findUnique({ where: { id: userId } });
      if (!user) throw new NotFoundError('User', userId);
      if (!(await verifyPassword(currentPassword, user.passwordHash)))
        throw new ValidationError([
          { path: 'body.currentPassword', message: 'is not your current password', code: 'wrong_password' },
        ]);
      const passwordHash = await hashPassword(newPassword);
      await prisma.$transaction([
        prisma.user.update({ where: { id: userId }, data: { passwordHash } }),
        prisma.session.deleteMany({
          where: { userId, ...(keepSessionId && { id: { not: keepSessionId } }) },
        }),
      ]);
    },

    /** Creates the first admin from the environment when the database has no users; true when it did. */
    async ensureAdminFromEnv(email: string, password: string): Promise<boolean> {
      if ((await prisma.user.count(REAL_ACCOUNTS)) > 0) return false;
      // Replicas starting together may both get here: the email is unique, so only one row is created.
      const { count } = await prisma.user.createMany({
        data: [
          { email: email.trim().toLowerCase(), role: 'admin', passwordHash: await hashPassword(password) },
        ],
        skipDuplicates: true,
      });
      return count > 0;
    },
  };
}
export type AuthService = ReturnType<typeof authService>;

/** The service as the app is configured: its database and the session lifetimes from the environment. */
export function authServiceOf(app: Pick<FastifyInstance, 'db' | 'env'>): AuthService {
  return authService({
    prisma: app.db.prisma,
    sessions: {
      idleMinutes: app.env.PADDOCK_SESSION_IDLE_MINUTES,
      maxHours: app.env.PADDOCK_SESSION_MAX_HOURS,
    },
  });
}
