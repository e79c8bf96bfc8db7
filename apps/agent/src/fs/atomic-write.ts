/**
 * Atomic file replacement: a temporary file in the same directory is written, synced and renamed over the
 * target, then the directory is synced. A reader (gitlab-runner polling config.toml every 3 s) sees either the
 * old file or the new one, never a prefix; after any failure before the rename, the target is untouched and the
 * temporary file is removed.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { FileSystem } from './file-system.js';

export interface AtomicWriteOptions {
  /** permission bits of the new file (applied with chmod, so the umask does not matter) */
  mode: number;
  /** keep this owner (e.g. the previous file's), when it differs from ours; best effort */
  owner?: { uid: number; gid: number };
  /**
   * Runs once the temporary file is complete and synced, just before it is renamed over the target (the config
   * store gives the old file its second name here). When it throws, the target is untouched, the temporary file
   * is removed and its error is thrown.
   */
  beforeRename?: () => Promise<void>;
}

export interface AtomicWriteResult {
  /** false when the directory sync failed after the rename: the new content is in place but may not survive a power cut */
  durable: boolean;
  syncError?: unknown;
}

const TEMP_MARK = '.paddock-';
const TEMP_SUFFIX = '.tmp';

/** The temporary name used for `target`: hidden, in the same directory (rename is atomic only within one filesystem). */
export function tempPathFor(target: string): string {
  return join(
    dirname(target),
    `.${basename(target)}${TEMP_MARK}${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );
}

/** True for a name `tempPathFor(target)` could have produced: leftovers of a crash are recognised by it. */
export function isTempNameFor(target: string, name: string): boolean {
  const prefix = `.${basename(target)}${TEMP_MARK}`;
  return name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX);
}

/** Replaces `target` with `data` atomically. Throws the first failing step's error when the target was not replaced. */
export async function writeFileAtomic(
  fs: FileSystem,
  target: string,
  data: Uint8Array,
  options: AtomicWriteOptions,
): Promise<AtomicWriteResult> {
  const temp = tempPathFor(target);
  let created = false;
  try {
    const file = await fs.createExclusive(temp, options.mode);
    created = true;
    try {
      await file.write(data);
      await file.chmod(options.mode);
      if (options.owner) await chownBestEffort(file, options.owner);
      await file.sync();
    } finally {
      await file.close();
    }
    await options.beforeRename?.();
    await fs.rename(temp, target);
    created = false;
  } catch (err) {
    if (created) await fs.unlink(temp).catch(() => {});
    throw err;
  }
  try {
    await fs.syncDir(dirname(target));
    return { durable: true };
  } catch (syncError) {
    return { durable: false, syncError };
  }
}

async function chownBestEffort(
  file: { chown(uid: number, gid: number): Promise<void> },
  owner: { uid: number; gid: number },
) {
  // Only root can give a file away; as the owner itself this is a no-op anyway.
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return;
  await file.chown(owner.uid, owner.gid).catch(() => {});
}
