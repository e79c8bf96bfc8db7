/**
 * gitlab-runner's `system_id`, read and created exactly the way gitlab-runner does it, so the agent and the
 * runner beside it name the machine with the same id (GitLab's runner managers are keyed by it).
 *
 * - File: `.runner_system_id` in the directory of config.toml; its trimmed content must match
 *   `^[sr]_[0-9a-zA-Z]{12}$`, otherwise it counts as absent and is overwritten.
 * - New id: `s_` + the first 12 hex chars of HMAC-SHA256(key = machine-id, message = "gitlab-runner"), or, without a
 *   machine-id, `r_` + 12 random alphanumerics.
 * - A file that exists but cannot be read is an error (gitlab-runner refuses to start too); a file that cannot be
 *   written is only a warning and the new id is used for this process.
 */
import { createHmac, randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { errnoCode, type FileSystem, nodeFileSystem } from '../fs/file-system.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export const SYSTEM_ID_FILE = '.runner_system_id';
export const SYSTEM_ID_PATTERN = /^[sr]_[0-9a-zA-Z]{12}$/;

/** Where denisbrodbeck/machineid (used by gitlab-runner) looks on Linux, in this order. */
export const MACHINE_ID_PATHS = ['/var/lib/dbus/machine-id', '/etc/machine-id'] as const;

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class SystemIdError extends Error {
  override name = 'SystemIdError';
}

export interface SystemIdOptions {
  /** path of gitlab-runner's config.toml; the id file lives beside it */
  configPath: string;
  fs?: FileSystem;
  machineIdPaths?: readonly string[];
  /** uniform integer in [0, max); crypto by default */
  randomInt?: (max: number) => number;
  logger?: Logger;
}

export interface SystemIdResult {
  systemId: string;
  /** where it came from: the existing file, or newly generated (and whether it could be saved) */
  source: 'file' | 'generated' | 'generated-unsaved';
  path: string;
}

/** The `s_` id for a machine-id (exported for the test vector). */
export function systemIdFromMachineId(machineId: string): string {
  return `s_${createHmac('sha256', machineId).update('gitlab-runner').digest('hex').slice(0, 12)}`;
}

/** Reads `.runner_system_id` beside config.toml, or generates and saves a new id. */
export async function loadOrCreateSystemId(options: SystemIdOptions): Promise<SystemIdResult> {
  const fs = options.fs ?? nodeFileSystem;
  const path = join(dirname(options.configPath), SYSTEM_ID_FILE);

  let existing: string | null = null;
  try {
    existing = (await fs.readFile(path)).toString('utf8').trim();
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') {
      throw new SystemIdError(
        `cannot read ${path} (${errnoCode(err) ?? String(err)}): gitlab-runner cannot read it either; ` +
          'fix its permissions or remove it',
      );
    }
  }
  if (existing !== null && SYSTEM_ID_PATTERN.test(existing))
    return { systemId: existing, source: 'file', path };

  const systemId = await generateSystemId(fs, options.machineIdPaths ?? MACHINE_ID_PATHS, options.randomInt);
  try {
    await fs.mkdir(dirname(path), 0o700);
    // gitlab-runner writes the bare id, without a newline, mode 0600.
    await writeFileAtomic(fs, path, Buffer.from(systemId), { mode: 0o600 });
    options.logger?.info('created system_id file', { path, systemId, replacedInvalid: existing !== null });
    return { systemId, source: 'generated', path };
  } catch (err) {
    options.logger?.warn('cannot save system_id; using it for this run only', {
      path,
      systemId,
      code: errnoCode(err),
      hint: `echo -n "${systemId}" > "${path}"`,
    });
    return { systemId, source: 'generated-unsaved', path };
  }
}

async function generateSystemId(
  fs: FileSystem,
  machineIdPaths: readonly string[],
  random: (max: number) => number = randomInt,
): Promise<string> {
  const machineId = await readMachineId(fs, machineIdPaths);
  if (machineId) return systemIdFromMachineId(machineId);
  let id = 'r_';
  for (let i = 0; i < 12; i++) id += ALPHANUMERIC[random(ALPHANUMERIC.length)];
  return id;
}

// The first path that can be read wins, even when it is empty (then the random id is used), as in machineid.ID().
async function readMachineId(fs: FileSystem, paths: readonly string[]): Promise<string | null> {
  for (const p of paths) {
    try {
      return (await fs.readFile(p)).toString('utf8').trim();
    } catch {
      // try the next location
    }
  }
  return null;
}
