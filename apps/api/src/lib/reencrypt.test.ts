import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { factories } from '../../test/support/factories.js';
import { useTestApp } from '../../test/support/test-db.js';
import { reencryptSecrets } from './reencrypt.js';
import { createSecretBox } from './secrets.js';

const ctx = useTestApp();

describe('re-encryption after a key rotation', () => {
  it('moves every secret to the new key and keeps its value', async () => {
    const f = factories(ctx.db, ctx.secrets);
    const gl = await f.gitlabInstance();
    await f.runner(gl.id, {}, 'glrt-t1_RotateMe000000000001');
    const oldKeyBox = ctx.secrets;
    const oldCipher = (await ctx.db.prisma.gitlabInstance.findUniqueOrThrow({ where: { id: gl.id } }))
      .accessTokenCiphertext;
    const plain = oldKeyBox.decrypt(oldCipher, 'gitlab-access-token');

    // The old key's bytes are not reachable from the box, so rebuild a rotated box from a fresh key plus a box
    // that can still read the old ciphertexts.
    const newKey = randomBytes(32);
    const rotated = {
      ...createSecretBox(newKey),
      decrypt: (c: string, p: Parameters<typeof oldKeyBox.decrypt>[1]) =>
        c.split('.')[1] === oldKeyBox.keyId ? oldKeyBox.decrypt(c, p) : createSecretBox(newKey).decrypt(c, p),
    };
    expect(await reencryptSecrets(ctx.db.prisma, rotated)).toEqual({
      gitlabAccessTokens: 1,
      runnerTokens: 1,
    });

    const newOnly = createSecretBox(newKey);
    const row = await ctx.db.prisma.gitlabInstance.findUniqueOrThrow({ where: { id: gl.id } });
    expect(newOnly.decrypt(row.accessTokenCiphertext, 'gitlab-access-token')).toBe(plain);
    const token = await ctx.db.prisma.runnerToken.findFirstOrThrow();
    expect(newOnly.decrypt(token.ciphertext, 'runner-token')).toBe('glrt-t1_RotateMe000000000001');
    expect(await reencryptSecrets(ctx.db.prisma, rotated)).toEqual({
      gitlabAccessTokens: 0,
      runnerTokens: 0,
    });
  });
});
