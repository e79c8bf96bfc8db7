/**
 * People and their roles (admins only). An invited person without a password gets a one-time link; disabling an
 * account ends its sessions at once and its API tokens stop working. Paddock always keeps one enabled admin.
 */
import type { CreateUserBody, CreatedUser, Role, UpdateUserBody, User } from '@paddock/contracts';
import type { PrismaClient } from '../../db/client.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { hashPassword } from '../../lib/passwords.js';
import type { AuthService } from '../auth/auth.service.js';

type UserRow = {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  passwordHash: string | null;
  disabledAt: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
};

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabledAt !== null,
    hasPassword: row.passwordHash !== null,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function usersService(deps: { prisma: PrismaClient; auth: AuthService; now?: () => Date }) {
  const { prisma, auth } = deps;
  const now = deps.now ?? (() => new Date());

  async function get(id: string): Promise<User> {
    const row = await prisma.user.findUnique({ where: { id } });
    if (!row) throw new NotFoundError('User', id);
    return toUser(row);
  }

  return {
    get,
    async list(): Promise<User[]> {
      return (await prisma.user.findMany({ orderBy: { email: 'asc' } })).map(toUser);
    },

    async create(body: CreateUserBody): Promise<CreatedUser> {
      const existing = await prisma.user.findUnique({ where: { email: body.email } });
      if (existing)
        throw new ConflictError('Someone already has an account with this email.', [
          { path: 'body.email', message: 'already has an account', code: 'unique' },
        ]);
      const row = await prisma.user.create({
        data: {
          email: body.email,
          name: body.name ?? null,
          role: body.role,
          passwordHash: body.password ? await hashPassword(body.password) : null,
        },
      });
      const invitePath = body.password ? null : `/invite#token=${await auth.createInvite(row.id)}`;
      return { ...toUser(row), invitePath };
    },

    /** A new one-time link for a person to (re)choose their password; older links stop working. */
    async invite(id: string): Promise<{ invitePath: string }> {
      const row = await prisma.user.findUnique({ where: { id } });
      if (!row) throw new NotFoundError('User', id);
      if (row.disabledAt) throw new ConflictError('This account is disabled; enable it first.');
      return { invitePath: `/invite#token=${await auth.createInvite(id)}` };
    },

    /** Returns the user and whether their sessions were ended (so live sockets can be closed). */
    async update(
      id: string,
      body: UpdateUserBody,
      actingUserId: string | null,
    ): Promise<{ user: User; ended: boolean }> {
      return prisma.$transaction(async (tx) => {
        // Serialise changes to roles so two admins demoting each other cannot leave none.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('paddock:users:roles'))`;
        const row = await tx.user.findUnique({ where: { id } });
        if (!row) throw new NotFoundError('User', id);
        const losesAdmin =
          row.role === 'admin' &&
          !row.disabledAt &&
          ((body.role !== undefined && body.role !== 'admin') || body.disabled === true);
        if (losesAdmin) {
          const admins = await tx.user.count({ where: { role: 'admin', disabledAt: null } });
          if (admins <= 1)
            throw new ConflictError(
              'Paddock needs at least one enabled admin: make someone else admin first.',
            );
        }
        if (body.disabled === true && id === actingUserId)
          throw new ConflictError('You cannot disable your own account.');
        const disabling = body.disabled === true && !row.disabledAt;
        const demoted = body.role !== undefined && body.role !== row.role;
        const updated = await tx.user.update({
          where: { id },
          data: {
            ...(body.name !== undefined && { name: body.name }),
            ...(body.role !== undefined && { role: body.role }),
            ...(body.disabled !== undefined && {
              disabledAt: body.disabled ? (row.disabledAt ?? now()) : null,
            }),
          },
        });
        // A disabled person is signed out everywhere; a changed role takes effect on their next request anyway,
        // but their open live connections are closed so they reconnect with the new role.
        if (disabling) await tx.session.deleteMany({ where: { userId: id } });
        return { user: toUser(updated), ended: disabling || demoted };
      });
    },
  };
}
export type UsersService = ReturnType<typeof usersService>;
