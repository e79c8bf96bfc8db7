/**
 * Bearer tokens Paddock issues (enrollment tokens, agent credentials, later sessions and API tokens): random,
 * prefixed so a leaked one is recognisable by secret scanners, and stored only as their SHA-256.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'enrollment' | 'agent';

const PREFIX: Record<TokenKind, string> = { enrollment: 'pde_', agent: 'pda_' };

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
