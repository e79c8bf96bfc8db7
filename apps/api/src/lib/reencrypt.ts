/** Moves every stored secret to the current key; each row is rewritten on its own, so a rerun resumes. */
import type { PrismaClient } from '../db/client.js';
import type { SecretBox } from './secrets.js';

export async function reencryptSecrets(
  prisma: PrismaClient,
  secrets: SecretBox,
  progress: (done: number, total: number) => void = () => {},
): Promise<{ gitlabAccessTokens: number; runnerTokens: number }> {
  const instances = (
    await prisma.gitlabInstance.findMany({ select: { id: true, accessTokenCiphertext: true } })
  ).filter((r) => secrets.isStale(r.accessTokenCiphertext));
  const tokens = (await prisma.runnerToken.findMany({ select: { id: true, ciphertext: true } })).filter((r) =>
    secrets.isStale(r.ciphertext),
  );
  const total = instances.length + tokens.length;
  let done = 0;
  for (const row of instances) {
    const plain = secrets.decrypt(row.accessTokenCiphertext, 'gitlab-access-token');
    // Only rewrite the value we read, so a token changed meanwhile is not overwritten.
    await prisma.gitlabInstance.updateMany({
      where: { id: row.id, accessTokenCiphertext: row.accessTokenCiphertext },
      data: { accessTokenCiphertext: secrets.encrypt(plain, 'gitlab-access-token') },
    });
    progress(++done, total);
  }
  for (const row of tokens) {
    const plain = secrets.decrypt(row.ciphertext, 'runner-token');
    await prisma.runnerToken.updateMany({
      where: { id: row.id, ciphertext: row.ciphertext },
      data: { ciphertext: secrets.encrypt(plain, 'runner-token') },
    });
    progress(++done, total);
  }
  return { gitlabAccessTokens: instances.length, runnerTokens: tokens.length };
}
