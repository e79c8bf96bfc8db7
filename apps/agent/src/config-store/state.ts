/**
 * The agent's memory across restarts, in its state directory:
 * - `state.json`: `{machineId, applied: {number, sha256} | null}`, so `hello` reports the applied revision after a
 *   restart. It is bound to the enrolled machine: after `enroll --force` to another Paddock machine the old
 *   revision numbers mean nothing and are forgotten.
 * - `applied-config.toml`: the applied text itself (mode 0600, it holds runner tokens), the baseline that drift
 *   is measured against.
 * Both are written atomically; the text first, so state.json never names a text that is not there.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { type FileSystem, readIfExists } from '../fs/file-system.js';
import type { Logger } from '../log/logger.js';

export const STATE_FILE = 'state.json';
export const APPLIED_TEXT_FILE = 'applied-config.toml';

export interface AppliedRevision {
  number: number;
  sha256: string;
}

export interface PersistedState {
  applied: AppliedRevision | null;
  /** null when the applied text was lost or does not match the applied hash */
  appliedText: string | null;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function statePaths(stateDir: string) {
  return { state: join(stateDir, STATE_FILE), appliedText: join(stateDir, APPLIED_TEXT_FILE) };
}

/** Reads the state for `machineId`; anything unusable counts as "nothing applied yet" (the API re-sends). */
export async function readState(
  fs: FileSystem,
  stateDir: string,
  machineId: string,
  logger: Logger,
): Promise<PersistedState> {
  const paths = statePaths(stateDir);
  const raw = await readIfExists(fs, paths.state);
  if (raw === null) return { applied: null, appliedText: null };

  let value: { machineId?: unknown; applied?: { number?: unknown; sha256?: unknown } | null };
  try {
    value = JSON.parse(raw.toString('utf8')) as typeof value;
  } catch {
    logger.warn('state file is not JSON; starting without an applied revision', { path: paths.state });
    return { applied: null, appliedText: null };
  }
  if (value.machineId !== machineId) {
    logger.info('state belongs to an earlier enrollment; starting without an applied revision', {
      path: paths.state,
    });
    return { applied: null, appliedText: null };
  }
  const a = value.applied;
  if (!a || typeof a.number !== 'number' || !Number.isInteger(a.number) || typeof a.sha256 !== 'string') {
    return { applied: null, appliedText: null };
  }
  const applied = { number: a.number, sha256: a.sha256 };
  const text = await readIfExists(fs, paths.appliedText);
  if (text === null || sha256Hex(text) !== applied.sha256) {
    logger.warn('applied text missing or changed; drift cannot be described until the next apply', {
      path: paths.appliedText,
    });
    return { applied, appliedText: null };
  }
  return { applied, appliedText: text.toString('utf8') };
}

/** Persists the applied revision and its text. Throws the filesystem error when either write fails. */
export async function writeState(
  fs: FileSystem,
  stateDir: string,
  machineId: string,
  applied: AppliedRevision,
  text: string,
): Promise<void> {
  const paths = statePaths(stateDir);
  await fs.mkdir(stateDir, 0o700);
  await writeFileAtomic(fs, paths.appliedText, Buffer.from(text, 'utf8'), { mode: 0o600 });
  const body = JSON.stringify({ machineId, applied }, null, 2);
  await writeFileAtomic(fs, paths.state, Buffer.from(`${body}\n`), { mode: 0o600 });
}
