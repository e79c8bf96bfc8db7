/**
 * Before a GitLab URL and access token are stored: can Paddock reach that GitLab, and may the token do what Paddock
 * does there (create runners, then read, delete and reset them)? GitLab's `create_runner` scope covers
 * `POST /user/runners` only and `manage_runner` the `/runners/:id` routes, so the token needs both, or `api`.
 */
import { GitlabTokenError } from './errors.js';
import type { GitlabClients } from './client.js';

export interface ConnectionCheckResult {
  /** GitLab's version; null when the token may not read it (`GET /version` is not open to the runner scopes) */
  version: string | null;
}

export type GitlabConnectionCheck = (url: string, accessToken: string) => Promise<ConnectionCheckResult>;

const FULL_SCOPE = 'api';
export const RUNNER_SCOPES = ['create_runner', 'manage_runner'] as const;

/** The scopes missing for Paddock's work; empty when the token has enough. */
export function missingScopes(scopes: readonly string[]): string[] {
  if (scopes.includes(FULL_SCOPE)) return [];
  return RUNNER_SCOPES.filter((s) => !scopes.includes(s));
}

export function gitlabConnectionCheck(
  clients: GitlabClients,
  now: () => Date = () => new Date(),
): GitlabConnectionCheck {
  return async (url, accessToken) => {
    const client = clients.gitlabClientWithToken(url, accessToken);
    // This call takes a token of any scope, so it reaches GitLab and judges the token in one request.
    const token = await client.currentToken();
    if (token.revoked) {
      throw new GitlabTokenError(
        'revoked',
        'The GitLab access token was revoked. Create a new one and save it here.',
      );
    }
    if (token.expires_at !== null && Date.parse(`${token.expires_at}T00:00:00Z`) <= now().getTime()) {
      throw new GitlabTokenError(
        'expired',
        `The GitLab access token expired on ${token.expires_at}. Create a new one and save it here.`,
      );
    }
    if (!token.active) {
      throw new GitlabTokenError('invalid', 'GitLab reports the access token as inactive. Create a new one.');
    }
    const missing = missingScopes(token.scopes);
    if (missing.length > 0) {
      throw new GitlabTokenError(
        'scope',
        `The GitLab access token "${token.name}" has the scope(s) ${token.scopes.join(', ') || '(none)'} but ` +
          `lacks ${missing.join(' and ')}. Paddock needs api, or both create_runner and manage_runner.`,
      );
    }
    try {
      return { version: (await client.version()).version };
    } catch (error) {
      // A token with only the runner scopes may not read the version; that does not stop Paddock's work.
      if (error instanceof GitlabTokenError && error.reason === 'scope') return { version: null };
      throw error;
    }
  };
}
