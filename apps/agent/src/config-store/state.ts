/**
 * The agent's memory across restarts: `state.json` in its state directory, `{machineId, applied: {number,
 * sha256}, text}`, written atomically in one piece (mode 0600: the text holds runner tokens).
 * - `applied` lets `hello` report the applied revision after a restart. It is bound to the enrolled machine:
 *   after `enroll --force` to another Paddock machine the old revision numbers mean nothing and are forgotten.
 * - `text` is the applied config.toml itself, the baseline that drift is measured against. In the same file as
 *   the revision, so the state never names a text that is not there.
 * Earlier agents kept the text in a second file, `applied-config.toml`; it is still read when state.json has no
 * `text`, so an upgraded agent keeps its baseline, and the config store removes it after its next write.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { type FileSystem, readIfExists } from '../fs/file-system.js';
import type { Logger } from '../log/logger.js';

export const STATE_FILE = 'state.json';
/** where agents before the single state file kept the applied text */
export const LEGACY_TEXT_FILE = 'applied-config.toml';

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
  return { state: join(stateDir, STATE_FILE), legacyText: join(stateDir, LEGACY_TEXT_FILE) };
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

  let value: {
    machineId?: unknown;
    applied?: { number?: unknown; sha256?: unknown } | null;
    text?: unknown;
  };
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
  // The state.json of an earlier agent has no text: it is in applied-config.toml beside it.
  const legacy = !('text' in value);
  const path = legacy ? paths.legacyText : paths.state;
  const text = legacy ? ((await readIfExists(fs, path))?.toString('utf8') ?? null) : value.text;
  if (typeof text !== 'string' || sha256Hex(text) !== applied.sha256) {
    logger.warn('applied text missing or changed; drift cannot be described until the next apply', { path });
    return { applied, appliedText: null };
  }
  return { applied, appliedText: text };
}

/**
 * Persists the applied revision and its text in one atomic write; the state directory must exist. Throws the
 * filesystem error when the write fails.
 */
export async function writeState(
  fs: FileSystem,
  stateDir: string,
  machineId: string,
  applied: AppliedRevision,
  text: string,
): Promise<void> {
  const body = JSON.stringify({ machineId, applied, text }, null, 2);
  await writeFileAtomic(fs, statePaths(stateDir).state, Buffer.from(`${body}\n`, 'utf8'), { mode: 0o600 });
}
