/**
 * The machine credential obtained at enrollment, kept in `<state-dir>/credential.json` (mode 0600, directory
 * 0700). It is the only secret the agent owns; it is never logged.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { type FileSystem, nodeFileSystem, readIfExists } from '../fs/file-system.js';

export const CREDENTIAL_FILE = 'credential.json';

export interface StoredCredential {
  /** Paddock's base URL as given to `enroll` (http or https, no trailing slash) */
  server: string;
  machineId: string;
  credential: string;
}

export class CredentialError extends Error {
  override name = 'CredentialError';
}

export function credentialPath(stateDir: string): string {
  return join(stateDir, CREDENTIAL_FILE);
}

/** Reads the stored credential; null when the agent was never enrolled. Malformed content is an error. */
export async function readCredential(
  stateDir: string,
  fs: FileSystem = nodeFileSystem,
): Promise<StoredCredential | null> {
  const path = credentialPath(stateDir);
  const raw = await readIfExists(fs, path);
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new CredentialError(`${path} is not valid JSON; enroll again with --force`);
  }
  const v = value as Partial<Record<keyof StoredCredential, unknown>>;
  if (typeof v.server !== 'string' || typeof v.machineId !== 'string' || typeof v.credential !== 'string') {
    throw new CredentialError(`${path} lacks server, machineId or credential; enroll again with --force`);
  }
  if (!v.credential)
    throw new CredentialError(`${path} holds an empty credential; enroll again with --force`);
  return { server: v.server, machineId: v.machineId, credential: v.credential };
}

/** Saves the credential atomically with mode 0600, creating the state directory with mode 0700. */
export async function writeCredential(
  stateDir: string,
  credential: StoredCredential,
  fs: FileSystem = nodeFileSystem,
): Promise<string> {
  // A new directory gets 0700; an existing one keeps its mode (it may be shared), the file itself is 0600.
  await fs.mkdir(stateDir, 0o700);
  const path = credentialPath(stateDir);
  await writeFileAtomic(fs, path, Buffer.from(`${JSON.stringify(credential, null, 2)}\n`), { mode: 0o600 });
  return path;
}
