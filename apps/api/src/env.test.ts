import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSecretKey, EnvError, parseEnv } from './env.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: 3000,
      PADDOCK_MIGRATE: 'auto',
      LOG_LEVEL: 'info',
      PADDOCK_SECRET_KEYS_PREVIOUS: [],
    });
    expect(env.PADDOCK_DATA_DIR).toBe(path.resolve('.paddock'));
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    expect(parseEnv({ PORT: '', HOST: '' })).toMatchObject({ PORT: 3000, HOST: '127.0.0.1' });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      parseEnv({ PORT: 'eighty', PADDOCK_MIGRATE: 'sometimes', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems.join('\n');
    expect(problems).toMatch(/^PORT: .*"eighty"/m);
    expect(problems).toMatch(/^PADDOCK_MIGRATE: /m);
    expect(problems).toMatch(/^LOG_LEVEL: /m);
    expect((error as EnvError).problems).toHaveLength(3);
  });

  it('requires a secret key with an external database, and never echoes secrets', () => {
    expect(() => parseEnv({ DATABASE_URL: 'postgres://u:hunter2@db/paddock' })).toThrow(
      /PADDOCK_SECRET_KEY: is required/,
    );
    try {
      parseEnv({ DATABASE_URL: 'mysql://u:hunter2@db/x', PADDOCK_SECRET_KEY: 'short' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
      expect((e as Error).message).not.toContain('short"');
    }
    expect(parseEnv({ DATABASE_URL: 'postgres://db/paddock', PADDOCK_SECRET_KEY: KEY }).DATABASE_URL).toBe(
      'postgres://db/paddock',
    );
  });

  it('parses previous keys as a list and rejects malformed ones', () => {
    const other = Buffer.alloc(32, 9).toString('hex');
    expect(
      parseEnv({ PADDOCK_SECRET_KEYS_PREVIOUS: ` ${KEY}, ${other} ` }).PADDOCK_SECRET_KEYS_PREVIOUS,
    ).toEqual([KEY, other]);
    expect(() => parseEnv({ PADDOCK_SECRET_KEYS_PREVIOUS: 'nope' })).toThrow(/PADDOCK_SECRET_KEYS_PREVIOUS/);
  });
});

describe('decodeSecretKey', () => {
  it('accepts 32 bytes as hex or base64 only', () => {
    expect(decodeSecretKey(KEY)?.length).toBe(32);
    expect(decodeSecretKey('ab'.repeat(32))?.length).toBe(32);
    expect(decodeSecretKey(Buffer.alloc(16).toString('base64'))).toBeNull();
    expect(decodeSecretKey('not a key at all')).toBeNull();
  });
});
