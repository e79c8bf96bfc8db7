/**
 * Users and personal access tokens, and how a REST request is authenticated: the token comes from `PRIVATE-TOKEN`,
 * `Authorization: Bearer` or the `private_token` query parameter. A missing or unknown token is 401
 * `{"message":"401 Unauthorized"}`; an expired or revoked one is OAuth's 401 `invalid_token`; a token without a
 * scope the route accepts is 403 `insufficient_scope`. `api` opens every route, `read_api` every GET; routes may
 * accept more (`create_runner` for POST /user/runners, `manage_runner` below /runners/:id).
 */
import type { Clock } from './clock.js';
import { forbidden, oauthError, unauthorized } from './errors.js';
import type { AccessToken, Store, User } from './model.js';
import type { Random } from './random.js';
import type { SimRequest } from './router.js';

export interface CreateAccessTokenOptions {
  readonly name?: string;
  readonly description?: string;
  /** Default `['api']`. */
  readonly scopes?: readonly string[];
  /** `YYYY-MM-DD` or a Date (its UTC day); none: the token never expires. */
  readonly expiresAt?: string | Date | null;
  /** The token string; generated (`glpat-…`) when absent. */
  readonly token?: string;
  /** Owner; default the administrator. */
  readonly userId?: number;
}

export interface Authenticated {
  readonly user: User;
  readonly accessToken: AccessToken;
}

export interface AuthenticateOptions {
  /** Scopes accepted besides `api` (and `read_api` on GET). */
  readonly extraScopes?: readonly string[];
  /** Any valid token will do, whatever its scopes (GET /personal_access_tokens/self). */
  readonly anyScope?: boolean;
}

export class AccessTokens {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  createUser(username: string, options: { admin?: boolean; name?: string } = {}): User {
    const user: User = {
      id: this.store.nextId('user'),
      username,
      name: options.name ?? username,
      admin: options.admin ?? false,
      createdAt: this.clock(),
    };
    this.store.users.set(user.id, user);
    return user;
  }

  create(options: CreateAccessTokenOptions = {}): AccessToken {
    const userId = options.userId ?? adminId(this.store);
    if (!this.store.users.has(userId)) throw new Error(`no user ${userId}`);
    const token = options.token ?? this.random.personalAccessToken();
    if ([...this.store.accessTokens.values()].some((t) => t.token === token)) {
      throw new Error('an access token with this value exists already');
    }
    const expiresAt =
      options.expiresAt instanceof Date ? isoDay(options.expiresAt) : (options.expiresAt ?? null);
    if (expiresAt !== null && !/^\d{4}-\d{2}-\d{2}$/.test(expiresAt))
      throw new Error('expiresAt must be YYYY-MM-DD');
    const record: AccessToken = {
      id: this.store.nextId('token'),
      name: options.name ?? 'paddock-sim',
      description: options.description ?? null,
      token,
      userId,
      scopes: options.scopes ?? ['api'],
      expiresAt,
      revoked: false,
      createdAt: this.clock(),
      lastUsedAt: null,
    };
    this.store.accessTokens.set(record.id, record);
    return record;
  }

  revoke(token: string): void {
    const record = this.find(token);
    if (!record) throw new Error('no such access token');
    record.revoked = true;
  }

  isActive(record: AccessToken): boolean {
    return !record.revoked && !this.isExpired(record);
  }

  authenticate(request: SimRequest, options: AuthenticateOptions = {}): Authenticated {
    const presented = tokenFrom(request);
    const record = presented === undefined ? undefined : this.find(presented);
    if (!record) throw unauthorized();
    if (record.revoked) {
      throw oauthError(401, 'invalid_token', 'Token was revoked. You have to re-authorize from the user.');
    }
    if (this.isExpired(record)) {
      throw oauthError(
        401,
        'invalid_token',
        'Token is expired. You can either do re-authorization or token refresh.',
      );
    }
    if (!options.anyScope) {
      const accepted = [
        'api',
        ...(request.method === 'GET' ? ['read_api'] : []),
        ...(options.extraScopes ?? []),
      ];
      if (!record.scopes.some((s) => accepted.includes(s))) {
        throw oauthError(
          403,
          'insufficient_scope',
          'The request requires higher privileges than provided by the access token.',
          accepted.join(' '),
        );
      }
    }
    const user = this.store.users.get(record.userId);
    if (!user) throw unauthorized();
    record.lastUsedAt = this.clock();
    return { user, accessToken: record };
  }

  private find(token: string): AccessToken | undefined {
    for (const record of this.store.accessTokens.values()) if (record.token === token) return record;
    return undefined;
  }

  private isExpired(record: AccessToken): boolean {
    return record.expiresAt !== null && this.clock().getTime() >= Date.parse(`${record.expiresAt}T00:00:00Z`);
  }
}

export function requireAdmin(user: User): void {
  if (!user.admin) throw forbidden();
}

function adminId(store: Store): number {
  for (const user of store.users.values()) if (user.admin) return user.id;
  throw new Error('the simulator has no administrator');
}

function tokenFrom(request: SimRequest): string | undefined {
  const header = request.headers['private-token'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (match) return match[1];
  }
  return request.query.get('private_token') ?? request.query.get('access_token') ?? undefined;
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
