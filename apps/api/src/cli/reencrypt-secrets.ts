/**
 * `pnpm secrets:reencrypt`: re-encrypts every stored secret that is not under the current PADDOCK_SECRET_KEY.
 * Key rotation: set the new key in PADDOCK_SECRET_KEY and the old one in PADDOCK_SECRET_KEYS_PREVIOUS, restart
 * Paddock (it reads both), run this, then remove the old key. Reads the same environment as the server; with the
 * embedded database, stop Paddock first (the data dir allows one process).
 */
import { createDatabase } from '../db/client.js';
import { locateDatabase, secretBoxFromEnv } from '../db/open.js';
import { EnvError, parseEnv } from '../env.js';
import { reencryptSecrets } from '../lib/reencrypt.js';

async function main(): Promise<number> {
  const env = parseEnv(process.env);
  const location = await locateDatabase(env);
  const db = createDatabase({ connectionString: location.connectionString, maxConnections: 2 });
  try {
    const secrets = secretBoxFromEnv(env);
    const counts = await reencryptSecrets(db.prisma, secrets, (done, total) =>
      process.stdout.write(`\r  re-encrypted ${done}/${total}`),
    );
    console.log(
      `\nDone: ${counts.gitlabAccessTokens} GitLab access token(s) and ${counts.runnerTokens} runner token(s) ` +
        `now use key ${secrets.keyId}.`,
    );
    return 0;
  } finally {
    await db.close();
    await location.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof EnvError ? error.message : `re-encryption failed: ${(error as Error).message}`,
    );
    process.exit(1);
  },
);
