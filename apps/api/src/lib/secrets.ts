/**
 * Encryption of stored secrets (runner tokens, GitLab access tokens) with AES-256-GCM.
 *
 * Ciphertext format: `v1.<keyId>.<iv>.<tag>.<data>` (base64url parts). The key id is the first 8 hex characters of
 * SHA-256 of the key, so a ciphertext names the key that opens it and keys can be rotated: put the new key in
 * PADDOCK_SECRET_KEY, the old one in PADDOCK_SECRET_KEYS_PREVIOUS, run `pnpm secrets:reencrypt`, then drop the
 * old key. The `purpose` is bound as associated data, so a ciphertext cannot be moved to a field of another kind.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type SecretPurpose = 'gitlab-access-token' | 'runner-token';

export interface SecretBox {
  /** id of the key new ciphertexts use */
  readonly keyId: string;
  encrypt(plaintext: string, purpose: SecretPurpose): string;
  decrypt(ciphertext: string, purpose: SecretPurpose): string;
  /** true when the ciphertext was made with a key other than the current one */
  isStale(ciphertext: string): boolean;
}

export class SecretError extends Error {
  override name = 'SecretError';
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function createSecretBox(current: Buffer, previous: Buffer[] = []): SecretBox {
  for (const key of [current, ...previous]) {
    if (key.length !== 32) throw new SecretError('secret keys must be 32 bytes');
  }
  const keys = new Map([current, ...previous].map((k) => [keyIdOf(k), k] as const));
  const keyId = keyIdOf(current);
  return {
    keyId,
    encrypt(plaintext, purpose) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(purpose));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        'v1',
        keyId,
        iv.toString('base64url'),
        tag.toString('base64url'),
        data.toString('base64url'),
      ].join('.');
    },
    decrypt(ciphertext, purpose) {
      const parts = ciphertext.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1') throw new SecretError('not a Paddock ciphertext');
      const [, id, iv, tag, data] = parts as [string, string, string, string, string];
      const key = keys.get(id);
      if (!key) {
        throw new SecretError(
          `ciphertext uses key ${id}, which is neither PADDOCK_SECRET_KEY nor in PADDOCK_SECRET_KEYS_PREVIOUS`,
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SecretError(`ciphertext under key ${id} failed authentication`);
      }
    },
    isStale(ciphertext) {
      return ciphertext.split('.')[1] !== keyId;
    },
  };
}

/**
 * The embedded default's key: read from `<dataDir>/secret.key`, or generated there with mode 0600 on first start.
 * Losing this file makes stored tokens unreadable, so it belongs in backups with the data dir.
 */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new SecretError(`${file} does not hold a 32-byte base64 key`);
    return key;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/** Last four characters, the only part of a secret the API ever shows. */
export function last4(secret: string): string {
  return secret.slice(-4);
}
