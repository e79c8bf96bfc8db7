/**
 * Bearer tokens Paddock issues (enrollment tokens, agent credentials, sessions, API and display tokens, setup and
 * invitation links): random, prefixed so a leaked one is recognisable by secret scanners, and stored only as their
 * SHA-256.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'enrollment' | 'agent' | 'session' | 'api' | 'display' | 'setup' | 'invite';

const PREFIX: Record<TokenKind, string> = {
  enrollment: 'pde_',
  agent: 'pda_',
  session: 'pds_',
  api: 'pdt_',
  display: 'pdw_',
  setup: 'pdx_',
  invite: 'pdi_',
};

/** Every prefix, for scanners that look for Paddock tokens in text (logs, dumps). */
export const TOKEN_PREFIXES: readonly string[] = Object.values(PREFIX);

/** The first characters of a token, kept to recognise it in lists: its prefix and four more. */
export function tokenPrefix(token: string): string {
  return token.slice(0, 8);
}

export function generateToken(kind: TokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two hex hashes of equal length. */
export function sameHash(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The bearer token of an `Authorization` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S{16,512})$/i.exec(header ?? '');
  return m ? m[1]! : null;
}
