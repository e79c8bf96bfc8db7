import { z } from 'zod';
import { Id, Page, PageQuery, Timestamp } from './common.js';

/**
 * Accounts and credentials. Three roles, each including the one below it:
 * - `viewer` reads everything except people, credentials and the audit log;
 * - `operator` also changes limits and assignments, drains, rotates, registers and rolls back, and reads the audit log;
 * - `admin` also manages users, GitLab connections, enrollment tokens, display tokens and agent credentials.
 */
export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;
export const ROLES = Role.options;

/** How much a role may do, for comparisons: admin > operator > viewer. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .pipe(z.email({ message: 'must be an email address' }));

/** At least 12 characters; long passphrases welcome. */
export const Password = z
  .string()
  .min(12, { message: 'must be at least 12 characters' })
  .max(256, { message: 'must be at most 256 characters' });

export const LoginBody = z.strictObject({
  email: z.string().trim().min(1, { message: 'is required' }).max(320),
  password: z.string().min(1, { message: 'is required' }).max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const CurrentUser = z.object({
  id: Id,
  email: z.string(),
  name: z.string().nullable(),
  role: Role,
});
export type CurrentUser = z.infer<typeof CurrentUser>;

/**
 * `GET /api/v1/auth/session`: who is signed in, and the CSRF token the browser sends as `x-csrf-token` on every
 * change. The token is bound to the session and readable only by pages of Paddock's own origin.
 */
export const SessionInfo = z.object({
  user: CurrentUser,
  csrfToken: z.string(),
  expiresAt: Timestamp,
  /** when the session ends if unused */
  idleExpiresAt: Timestamp,
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** `GET /api/v1/auth/setup`: whether the one-time setup link can still create the first admin. */
export const SetupStatus = z.object({ needed: z.boolean() });
export type SetupStatus = z.infer<typeof SetupStatus>;

/** `POST /api/v1/auth/setup`: the first admin, with the token from the setup link printed at start. */
export const SetupBody = z.strictObject({
  token: z.string().min(16).max(256),
  email: Email,
  name: z.string().trim().min(1).max(200).optional(),
  password: Password,
});
export type SetupBody = z.infer<typeof SetupBody>;

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

// ---------------------------------------------------------------------------------------------------------------
// Users (admins only)

export const User = z.object({
  id: Id,
  email: z.string(),
  name: z.string().nullable(),
  role: Role,
  disabled: z.boolean(),
  /** false until the invited person sets a password */
  hasPassword: z.boolean(),
  lastLoginAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type User = z.infer<typeof User>;

export const UserList = z.object({ items: z.array(User) });
export type UserList = z.infer<typeof UserList>;

/**
 * Invite a person: without a password, the answer carries a one-time link (valid 7 days) with which they choose
 * their own.
 */
export const CreateUserBody = z.strictObject({
  email: Email,
  name: z.string().trim().min(1).max(200).optional(),
  role: Role,
  password: Password.optional(),
});
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const CreatedUser = User.extend({
  /** path of the one-time link to choose a password (`/invite?token=…`), when no password was given */
  invitePath: z.string().nullable(),
});
export type CreatedUser = z.infer<typeof CreatedUser>;

export const UpdateUserBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    role: Role.optional(),
    /** true disables the account and ends its sessions and API tokens at once; false enables it again */
    disabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

/** `POST /api/v1/auth/invite`: an invited person chooses their password. */
export const AcceptInviteBody = z.strictObject({
  token: z.string().min(16).max(256),
  password: Password,
});
export type AcceptInviteBody = z.infer<typeof AcceptInviteBody>;

// ---------------------------------------------------------------------------------------------------------------
// API tokens (each person's own, for scripts: `Authorization: Bearer <token>`)

/** `read` tokens may only read; `write` tokens may do what their owner's role allows. */
export const TokenScope = z.enum(['read', 'write']);
export type TokenScope = z.infer<typeof TokenScope>;

export const CreateApiTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scope: TokenScope,
  /** ISO timestamp in the future, or null for a token that does not expire */
  expiresAt: Timestamp.nullable().default(null),
});
export type CreateApiTokenBody = z.input<typeof CreateApiTokenBody>;

export const ApiToken = z.object({
  id: Id,
  name: z.string(),
  /** the token's first characters, to recognise it */
  prefix: z.string(),
  scope: TokenScope,
  expiresAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  active: z.boolean(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const CreatedApiToken = ApiToken.extend({ token: z.string() });
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;

export const ApiTokenList = z.object({ items: z.array(ApiToken) });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

// ---------------------------------------------------------------------------------------------------------------
// Display tokens (wall screens: read-only fleet summary)

export const CreateDisplayTokenBody = z.strictObject({ name: z.string().trim().min(1).max(100) });
export type CreateDisplayTokenBody = z.infer<typeof CreateDisplayTokenBody>;

export const DisplayToken = z.object({
  id: Id,
  name: z.string(),
  prefix: z.string(),
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  active: z.boolean(),
});
export type DisplayToken = z.infer<typeof DisplayToken>;

export const CreatedDisplayToken = DisplayToken.extend({
  token: z.string(),
  /** the wall screen's path with the token (`/wall?display=…`); prefix it with Paddock's address */
  wallPath: z.string(),
});
export type CreatedDisplayToken = z.infer<typeof CreatedDisplayToken>;

export const DisplayTokenList = z.object({ items: z.array(DisplayToken) });
export type DisplayTokenList = z.infer<typeof DisplayTokenList>;

// ---------------------------------------------------------------------------------------------------------------
// Agent credentials (one per machine)

export const AgentCredential = z.object({
  id: Id,
  machineId: Id,
  enrollmentTokenId: Id.nullable(),
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type AgentCredential = z.infer<typeof AgentCredential>;

export const AgentCredentialList = z.object({ items: z.array(AgentCredential) });
export type AgentCredentialList = z.infer<typeof AgentCredentialList>;

// ---------------------------------------------------------------------------------------------------------------
// Audit log

export const ActorType = z.enum(['user', 'api_token', 'agent', 'system']);
export type ActorType = z.infer<typeof ActorType>;

export const AuditEvent = z.object({
  id: Id,
  at: Timestamp,
  actorType: ActorType,
  actorId: z.string().nullable(),
  /** the actor as people read it (an email, a token's name), kept after the actor is gone */
  actorLabel: z.string().nullable(),
  sourceIp: z.string().nullable(),
  requestId: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQuery = PageQuery.extend({
  actorType: ActorType.optional(),
  /** a user's or token's id, or part of the actor's label (email) */
  actor: z.string().trim().min(1).max(320).optional(),
  /** an action, or its prefix ending with a dot (`runner.`) */
  action: z
    .string()
    .trim()
    .regex(/^[a-z_.-]{1,100}$/, {
      message: 'must be an action name like runner.update or a prefix like runner.',
    })
    .optional(),
  targetType: z
    .string()
    .trim()
    .regex(/^[a-z_-]{1,64}$/)
    .optional(),
  targetId: z.string().trim().min(1).max(64).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
});
export type AuditQuery = z.input<typeof AuditQuery>;

export const AuditEventPage = Page(AuditEvent);
export type AuditEventPage = z.infer<typeof AuditEventPage>;
