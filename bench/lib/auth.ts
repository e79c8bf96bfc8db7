/**
 * Credentials for the benchmarks: every /api/v1 route needs one, so each benchmark database gets an admin with a
 * write API token, inserted directly (signing in is not what the REST and push benchmarks measure).
 */
import type { PrismaClient } from '../../apps/api/src/db/client.js';
import { generateToken, hashToken, tokenPrefix } from '../../apps/api/src/lib/tokens.js';

/** Creates an admin without a password and a write API token; returns the `Authorization` header value. */
export async function createBenchAdmin(
  prisma: PrismaClient,
  email = 'bench-admin@example.test',
): Promise<string> {
  const user = await prisma.user.create({ data: { email, role: 'admin' } });
  const token = generateToken('api');
  await prisma.apiToken.create({
    data: {
      userId: user.id,
      name: 'bench',
      tokenHash: hashToken(token),
      prefix: tokenPrefix(token),
      scope: 'write',
    },
  });
  return `Bearer ${token}`;
}
