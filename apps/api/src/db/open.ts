/**
 * Where the database comes from, decided once from the environment: DATABASE_URL, or the embedded PGlite in
 * PADDOCK_DATA_DIR. The server and the command-line tools share this, so they always agree.
 */
import type { Env } from '../env.js';
import { decodeSecretKey } from '../env.js';
import { createSecretBox, loadOrCreateKeyFile, type SecretBox } from '../lib/secrets.js';
import { startEmbeddedDatabase } from './embedded.js';

export interface DatabaseLocation {
  connectionString: string;
  embedded: boolean;
  /** stops the embedded database (no-op for an external one) */
  close(): Promise<void>;
}

export async function locateDatabase(env: Env): Promise<DatabaseLocation> {
  if (env.DATABASE_URL) return { connectionString: env.DATABASE_URL, embedded: false, close: async () => {} };
  const embedded = await startEmbeddedDatabase({
    dataDir: env.PADDOCK_DATA_DIR,
    port: env.PADDOCK_EMBEDDED_DB_PORT,
  });
  return { connectionString: embedded.connectionString, embedded: true, close: () => embedded.close() };
}

/** The secret box for this environment: PADDOCK_SECRET_KEY, or the key file the embedded default keeps. */
export function secretBoxFromEnv(env: Env): SecretBox {
  const current = env.PADDOCK_SECRET_KEY
    ? decodeSecretKey(env.PADDOCK_SECRET_KEY)!
    : loadOrCreateKeyFile(env.PADDOCK_DATA_DIR);
  return createSecretBox(
    current,
    env.PADDOCK_SECRET_KEYS_PREVIOUS.map((k) => decodeSecretKey(k)!),
  );
}
