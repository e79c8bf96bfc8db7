/**
 * Who is asking, and may they. Every route under /api declares `config.access`; a route without one makes the app
 * refuse to start, and the roles matrix test walks the same table (`app.routeTable`). Credentials, in order:
 * - `Authorization: Bearer pdt_…` — a person's API token (`read` tokens may only read);
 * - `Authorization: Bearer pdw_…` or `?display=pdw_…` — a wall screen's display token, only on `display` routes;
 * - the `paddock_session` cookie — a browser session; changes also need the session's CSRF token in
 *   `x-csrf-token`.
 * Independently of credentials, a request that changes something and carries an `Origin` header must come from
 * Paddock's own origin, and the `/live` upgrade must too (websockets are not covered by CORS).
 */
import { ROLE_RANK, type Role } from '@paddock/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import { bearerToken, hashToken } from '../lib/tokens.js';
import type { Env } from '../env.js';

/**
 * - `public`: anyone (login, setup, health, enrollment with its own token);
 * - `user`: any signed-in person, whatever the role (their own session, password and API tokens);
 * - `display`: viewers and above, and display tokens (the wall screen's fleet summary);
 * - a role: that role or a higher one.
 */
export type Access = 'public' | 'user' | 'display' | Role;

export interface AuditRule {
  /** `<target>.<verb>`, e.g. `runner.update` */
  action: string;
  targetType: string;
  /** the target's id; defaults to `params.id`, then the response's `id` */
  targetId?: (request: FastifyRequest, response: unknown) => string | null | undefined;
  /**
   * reads the target's state (without secrets) before and after the change; without it `before` is empty and
   * `after` is the response body with every secret removed
   */
  snapshot?: (id: string) => Promise<unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** every route that changes something records an audit event, or says `false` (recorded by its service) */
    audit?: AuditRule | false;
  }
}

export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'session';
      userId: string;
      email: string;
      role: Role;
      sessionId: string;
      csrfHash: string;
      expiresAt: Date;
      lastSeenAt: Date;
    }
  | {
      kind: 'api_token';
      userId: string;
      email: string;
      role: Role;
      tokenId: string;
      tokenName: string;
      scope: 'read' | 'write';
    }
  | { kind: 'display'; tokenId: string; tokenName: string };

/** Who did something, as revisions and audit events record it. */
export interface RequestActor {
  type: 'user' | 'api_token' | 'agent' | 'system';
  id: string | null;
  label?: string | null;
}

export interface RouteRule {
  method: string;
  url: string;
  access: Access;
  audit: AuditRule | false | undefined;
  websocket: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
    /** the actor to record for what this request changes */
    actor: RequestActor;
  }
  interface FastifyInstance {
    /** every route with its access rule, in registration order (the roles matrix test reads it) */
    routeTable: RouteRule[];
    /** the signed-in person's session as the browser sent it, to end it at logout */
    sessionCookie(request: FastifyRequest): string | null;
  }
}

export const SESSION_COOKIE = 'paddock_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** lastSeenAt is written at most this often per session, not on every request */
const TOUCH_EVERY_MS = 60_000;
const isStale = (last: Date | null, at: Date) => !last || at.getTime() - last.getTime() > TOUCH_EVERY_MS;

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** Paddock's own origin: the configured public URL's, else the one this request was addressed to. */
export function ownOrigin(request: FastifyRequest, env: Pick<Env, 'PADDOCK_PUBLIC_URL'>): string {
  if (env.PADDOCK_PUBLIC_URL) return new URL(env.PADDOCK_PUBLIC_URL).origin;
  return `${request.protocol}://${request.host}`;
}

export function isSameOrigin(request: FastifyRequest, env: Pick<Env, 'PADDOCK_PUBLIC_URL'>): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return origin === ownOrigin(request, env);
}

function roleAllows(role: Role, access: Access): boolean {
  if (access === 'public' || access === 'user') return true;
  if (access === 'display') return true;
  return ROLE_RANK[role] >= ROLE_RANK[access];
}

function actorOf(principal: Principal): RequestActor {
  switch (principal.kind) {
    case 'session':
      return { type: 'user', id: principal.userId, label: principal.email };
    case 'api_token':
      return {
        type: 'api_token',
        id: principal.tokenId,
        label: `${principal.email} (${principal.tokenName})`,
      };
    default:
      return { type: 'system', id: null, label: null };
  }
}

export default fp(
  async function authPlugin(app: FastifyInstance, opts: { env: Env; now?: () => Date }) {
    const { env } = opts;
    const now = opts.now ?? (() => new Date());
    const prisma = app.db.prisma;
    const idleMs = env.PADDOCK_SESSION_IDLE_MINUTES * 60_000;
    const routeTable: RouteRule[] = [];
    app.decorate('routeTable', routeTable);
    app.decorate('sessionCookie', (request: FastifyRequest) => {
      const value = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
      return value && /^pds_[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
    });
    app.decorateRequest('principal', null as never);
    app.decorateRequest('actor', null as never);

    app.addHook('onRoute', (route: RouteOptions) => {
      const url = route.url;
      if (!url.startsWith('/api/') && url !== '/live') return;
      // swagger-ui's own static routes: documentation, no data
      if (url.startsWith('/api/v1/docs')) {
        route.config = { ...route.config, access: 'public', audit: false };
      }
      const access = route.config?.access;
      if (!access)
        throw new Error(`route ${String(route.method)} ${url} declares no access rule (config.access)`);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD') continue;
        const mutating = !SAFE_METHODS.has(method);
        if (mutating && route.config?.audit === undefined)
          throw new Error(
            `route ${method} ${url} changes something but declares no audit rule (config.audit)`,
          );
        routeTable.push({
          method,
          url,
          access,
          audit: route.config?.audit,
          websocket: Boolean((route as { websocket?: boolean }).websocket),
        });
      }
    });

    // The two lookups every request makes are one plain statement each: through Prisma's model API the same read
    // cost the API 0.6-0.9 ms of CPU per request, against 0.25-0.35 ms this way.
    async function fromApiToken(token: string): Promise<Principal | null> {
      const [row] = await prisma.$queryRaw<
        Array<{
          id: string;
          user_id: string;
          name: string;
          scope: 'read' | 'write';
          expires_at: Date | null;
          last_used_at: Date | null;
          revoked_at: Date | null;
          email: string;
          role: Role;
          disabled_at: Date | null;
        }>
      >`
        SELECT t.id::text, t.user_id::text, t.name, t.scope::text AS scope, t.expires_at, t.last_used_at,
               t.revoked_at, u.email, u.role::text AS role, u.disabled_at
          FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = ${hashToken(token)}::bpchar`;
      const at = now();
      if (!row || row.revoked_at || (row.expires_at && row.expires_at <= at) || row.disabled_at) return null;
      if (isStale(row.last_used_at, at)) {
        await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: at } });
      }
      return {
        kind: 'api_token',
        userId: row.user_id,
        email: row.email,
        role: row.role,
        tokenId: row.id,
        tokenName: row.name,
        scope: row.scope,
      };
    }

    async function fromDisplayToken(token: string): Promise<Principal | null> {
      const row = await prisma.displayToken.findUnique({ where: { tokenHash: hashToken(token) } });
      if (!row || row.revokedAt) return null;
      const at = now();
      if (isStale(row.lastUsedAt, at)) {
        await prisma.displayToken.update({ where: { id: row.id }, data: { lastUsedAt: at } });
      }
      return { kind: 'display', tokenId: row.id, tokenName: row.name };
    }

    async function fromSession(token: string): Promise<Principal | null> {
      const [found] = await prisma.$queryRaw<
        Array<{
          id: string;
          user_id: string;
          csrf_hash: string;
          expires_at: Date;
          last_seen_at: Date;
          email: string;
          role: Role;
          disabled_at: Date | null;
        }>
      >`
        SELECT s.id::text, s.user_id::text, s.csrf_hash, s.expires_at, s.last_seen_at, u.email, u.role::text AS role,
               u.disabled_at
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ${hashToken(token)}::bpchar`;
      const at = now();
      if (!found) return null;
      const row = {
        id: found.id,
        userId: found.user_id,
        csrfHash: found.csrf_hash,
        expiresAt: found.expires_at,
        lastSeenAt: found.last_seen_at,
        user: { email: found.email, role: found.role, disabledAt: found.disabled_at },
      };
      const idleExpired = row.lastSeenAt.getTime() + idleMs <= at.getTime();
      if (row.expiresAt <= at || idleExpired || row.user.disabledAt) {
        await prisma.session.deleteMany({ where: { id: row.id } });
        return null;
      }
      let lastSeenAt = row.lastSeenAt;
      if (isStale(row.lastSeenAt, at)) {
        lastSeenAt = at;
        await prisma.session.update({ where: { id: row.id }, data: { lastSeenAt: at } });
      }
      return {
        kind: 'session',
        userId: row.userId,
        email: row.user.email,
        role: row.user.role,
        sessionId: row.id,
        csrfHash: row.csrfHash,
        expiresAt: row.expiresAt,
        lastSeenAt,
      };
    }

    async function identify(request: FastifyRequest): Promise<Principal> {
      const bearer = bearerToken(request.headers.authorization);
      if (request.headers.authorization !== undefined && !bearer)
        throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
      if (bearer) {
        if (bearer.startsWith('pdw_')) {
          const display = await fromDisplayToken(bearer);
          if (!display) throw new UnauthorizedError('The display token is not valid (unknown or revoked).');
          return display;
        }
        const principal = await fromApiToken(bearer);
        if (!principal) throw new UnauthorizedError('The token is not valid (unknown, expired or revoked).');
        return principal;
      }
      // A wall screen cannot set headers on its websocket: its display token may come in the query string.
      const query = request.query as Record<string, unknown> | undefined;
      const display = typeof query?.display === 'string' ? query.display : undefined;
      if (display !== undefined) {
        const principal = /^pdw_[A-Za-z0-9_-]{20,100}$/.test(display)
          ? await fromDisplayToken(display)
          : null;
        if (!principal) throw new UnauthorizedError('The display token is not valid (unknown or revoked).');
        return principal;
      }
      const cookie = app.sessionCookie(request);
      if (cookie) return (await fromSession(cookie)) ?? { kind: 'anonymous' };
      return { kind: 'anonymous' };
    }

    function authorize(request: FastifyRequest, principal: Principal, access: Access) {
      const method = request.method;
      const safe = SAFE_METHODS.has(method);
      const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
      if ((!safe || upgrade) && !isSameOrigin(request, env))
        throw new ForbiddenError(
          'Requests that change something must come from Paddock itself (Origin mismatch).',
        );
      if (access === 'public') return;
      if (principal.kind === 'anonymous') throw new UnauthorizedError();
      if (principal.kind === 'display') {
        if (access !== 'display' || !safe)
          throw new ForbiddenError('A display token only reads the fleet summary.');
        return;
      }
      if (principal.kind === 'api_token' && principal.scope === 'read' && !safe)
        throw new ForbiddenError('This API token may only read (scope "read").');
      if (!roleAllows(principal.role, access))
        throw new ForbiddenError(`This needs the ${access} role; you are ${principal.role}.`);
      if (principal.kind === 'session' && !safe && request.routeOptions.config.access !== 'public') {
        const given = request.headers['x-csrf-token'];
        if (typeof given !== 'string' || given.length > 200 || hashToken(given) !== principal.csrfHash)
          throw new ForbiddenError('Missing or wrong CSRF token: reload the page and try again.');
      }
    }

    // preParsing: after every onRequest hook (the websocket plugin's marks upgrades there, and destroys refused
    // ones only if it ran) and before any body is read, so a refused caller never costs a parse.
    app.addHook('preParsing', async (request: FastifyRequest, _reply: FastifyReply, payload) => {
      await authenticate(request);
      return payload;
    });

    async function authenticate(request: FastifyRequest) {
      const access = request.routeOptions.config?.access;
      if (!access) {
        request.principal = { kind: 'anonymous' };
        request.actor = actorOf(request.principal);
        return;
      }
      // Public routes ignore credentials they cannot use rather than refuse the request.
      const principal =
        access === 'public'
          ? await identify(request).catch((): Principal => ({ kind: 'anonymous' }))
          : await identify(request);
      request.principal = principal;
      request.actor = actorOf(principal);
      authorize(request, principal, access);
    }
  },
  { name: 'auth', dependencies: ['db'] },
);

/** The signed-in person behind a request (session or API token), or a 401. */
export function requireUser(request: FastifyRequest): Extract<Principal, { kind: 'session' | 'api_token' }> {
  const p = request.principal;
  if (p.kind !== 'session' && p.kind !== 'api_token') throw new UnauthorizedError();
  return p;
}
