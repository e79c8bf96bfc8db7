import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox, keyIdOf, last4, loadOrCreateKeyFile, SecretError } from './secrets.js';

describe('secret box', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);

  it('round-trips and never contains the plaintext', () => {
    const token = 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY';
    const sealed = box.encrypt(token, 'runner-token');
    expect(sealed).not.toContain(token);
    expect(sealed.split('.')[1]).toBe(keyIdOf(key));
    expect(box.decrypt(sealed, 'runner-token')).toBe(token);
    expect(box.encrypt(token, 'runner-token')).not.toBe(sealed);
  });

  it('binds the purpose, so a ciphertext cannot be used for another kind of secret', () => {
    const sealed = box.encrypt('glpat-secret', 'gitlab-access-token');
    expect(() => box.decrypt(sealed, 'runner-token')).toThrow(SecretError);
  });

  it('detects tampering', () => {
    const parts = box.encrypt('value', 'runner-token').split('.');
    const data = Buffer.from(parts[4]!, 'base64url');
    data[0] = data[0]! ^ 1;
    parts[4] = data.toString('base64url');
    expect(() => box.decrypt(parts.join('.'), 'runner-token')).toThrow(/failed authentication/);
    expect(() => box.decrypt('garbage', 'runner-token')).toThrow(/not a Paddock ciphertext/);
  });

  it('rotates: old ciphertexts open with the previous key and are marked stale', () => {
    const oldBox = createSecretBox(key);
    const sealed = oldBox.encrypt('value', 'runner-token');
    const newKey = randomBytes(32);
    const rotated = createSecretBox(newKey, [key]);
    expect(rotated.decrypt(sealed, 'runner-token')).toBe('value');
    expect(rotated.isStale(sealed)).toBe(true);
    expect(rotated.isStale(rotated.encrypt('value', 'runner-token'))).toBe(false);
    expect(() => createSecretBox(newKey).decrypt(sealed, 'runner-token')).toThrow(
      /neither PADDOCK_SECRET_KEY/,
    );
  });

  it('shows only the last four characters', () => {
    expect(last4('glpat-abcdefgh1234')).toBe('1234');
  });
});

describe('key file of the embedded default', () => {
  it('is generated once with mode 0600 and reused', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paddock-key-'));
    const first = loadOrCreateKeyFile(dir);
    const file = path.join(dir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKeyFile(dir).equals(first)).toBe(true);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
  });

  it('refuses a damaged key file instead of replacing it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paddock-key-'));
    writeFileSync(path.join(dir, 'secret.key'), 'not-a-key');
    expect(() => loadOrCreateKeyFile(dir)).toThrow(/32-byte/);
  });
});
