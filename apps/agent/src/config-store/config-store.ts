/**
 * The only writer of gitlab-runner's config.toml on the agent's side. `apply` checks the revision (hash, order,
 * content), then replaces the file atomically, keeping the previous one as `config.toml.paddock-prev` (a second
 * name for the old file, or a copy where the filesystem has no hard links). The new file's fresh mtime is what
 * gitlab-runner's 3 s poll reacts to; no signal is needed.
 *
 * Applies and disk reads are serialised, so a drift check never sees a half-finished apply.
 */
import { dirname, join } from 'node:path';
import type { RunnerRef } from '@paddock/protocol';
import type { FileInfo, FileSystem } from '../fs/file-system.js';
import { errnoCode, readIfExists } from '../fs/file-system.js';
import { isTempNameFor, tempPathFor, writeFileAtomic } from '../fs/atomic-write.js';
import type { Logger } from '../log/logger.js';
import type { ConfigComparer } from './comparer.js';
import { describeFsError, failureCodeOf, type FailureCode } from './failure.js';
import {
  LEGACY_TEXT_FILE,
  readState,
  sha256Hex,
  statePaths,
  writeState,
  type AppliedRevision,
} from './state.js';

export const PREV_SUFFIX = '.paddock-prev';

export interface ApplyRequest {
  revision: number;
  config: string;
  sha256: string;
}

export type ApplyOutcome =
  | { kind: 'applied'; revision: number; sha256: string; written: boolean }
  | { kind: 'failed'; revision: number; code: FailureCode; message: string }
  /** older than the applied revision: nothing to answer */
  | { kind: 'ignored'; revision: number; reason: string };

export interface DiskContent {
  text: string;
  sha256: string;
}

export interface ConfigStore {
  readonly configPath: string;
  /** Reads the persisted state and removes temporary files a crash left behind. Call once before use. */
  load(): Promise<void>;
  applied(): AppliedRevision | null;
  /** the text of the applied revision, when known */
  appliedText(): string | null;
  apply(request: ApplyRequest): Promise<ApplyOutcome>;
  /** config.toml as it is now, or null when it does not exist */
  readDisk(): Promise<DiskContent | null>;
  /** The applied revision, its text and the file on disk, read together with no apply in progress. */
  snapshot(): Promise<StoreSnapshot>;
}

export interface StoreSnapshot {
  applied: AppliedRevision | null;
  appliedText: string | null;
  disk: DiskContent | null;
}

export interface ConfigStoreOptions {
  configPath: string;
  stateDir: string;
  /** the enrolled machine; persisted state of another machine is ignored */
  machineId: string;
  comparer: ConfigComparer;
  fs: FileSystem;
  logger: Logger;
}

const MESSAGE_MAX = 2000;

/** link(2) errors for "no second name here" (vfat, some network and FUSE mounts, protected_hardlinks): copy. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS']);

/** Creates the config store over `fs` (the real filesystem in production, a faulty one in tests). */
export function createConfigStore(options: ConfigStoreOptions): ConfigStore {
  const { configPath, stateDir, machineId, comparer, fs, logger } = options;
  const prevPath = `${configPath}${PREV_SUFFIX}`;
  const configDir = dirname(configPath);
  const statePath = statePaths(stateDir);
  let applied: AppliedRevision | null = null;
  let appliedText: string | null = null;
  /** applied-config.toml of an earlier agent is still there, to be removed once state.json holds the text */
  let legacyTextLeft = false;
  /** directories this store created (or found) with mkdir, so later writes skip it */
  const knownDirs = new Set<string>();
  let tail: Promise<unknown> = Promise.resolve();

  const readDiskNow = async (): Promise<DiskContent | null> => {
    const buf = await readIfExists(fs, configPath);
    return buf === null ? null : { text: buf.toString('utf8'), sha256: sha256Hex(buf) };
  };

  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };

  /** Removes the temporary files of `targets` in `dir`; returns the names the directory had. */
  async function removeLeftovers(dir: string, targets: string[]): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return [];
    }
    for (const name of names) {
      if (!targets.some((t) => isTempNameFor(t, name))) continue;
      const path = join(dir, name);
      await fs.unlink(path).then(
        () => logger.info('removed a temporary file left by an interrupted write', { path }),
        () => {},
      );
    }
    return names;
  }

  /**
   * Runs `write`, which creates files in `dir`. The directory is created (mkdir -p) only before the first write;
   * when it has vanished since (ENOENT), it is created again and `write` runs once more.
   */
  async function inDir<T>(dir: string, write: () => Promise<T>, creating: () => void = () => {}): Promise<T> {
    const create = async () => {
      creating();
      await fs.mkdir(dir, 0o700);
      knownDirs.add(dir);
    };
    if (!knownDirs.has(dir)) {
      await create();
      return write();
    }
    try {
      return await write();
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      knownDirs.delete(dir);
      await create();
      return write();
    }
  }

  async function record(revision: number, sha256: string, text: string) {
    const entry: AppliedRevision = { number: revision, sha256 };
    applied = entry;
    appliedText = text;
    try {
      await inDir(stateDir, () => writeState(fs, stateDir, machineId, entry, text));
    } catch (err) {
      // config.toml is already right; only a restart would report the older revision, and the API re-sends it.
      logger.error('cannot persist the applied revision', {
        revision,
        stateDir,
        reason: describeFsError(`write the state in ${stateDir}`, err),
      });
      return;
    }
    if (legacyTextLeft) {
      legacyTextLeft = false;
      await fs.unlink(statePath.legacyText).catch((err: unknown) => {
        if (errnoCode(err) === 'ENOENT') return;
        logger.warn('cannot remove the applied text an earlier agent kept; state.json holds it now', {
          path: statePath.legacyText,
          code: errnoCode(err),
        });
      });
    }
  }

  /**
   * Keeps config.toml as it is now as config.toml.paddock-prev; runs just before the new file is renamed over it.
   *
   * Our rename gives config.toml a new inode and nobody writes to the old one afterwards, so a second name for
   * the old inode (link, then rename over an older prev: atomic) is the previous file, with no copy of its data,
   * which stays exactly as durable as config.toml was. The directory sync after the config.toml rename makes
   * both renames durable. gitlab-runner rewrites config.toml in place (same inode): if it does so between our
   * link and our rename, prev gets that text too, which is still the file as it was before our write.
   * A kill or a failed rename after the link leaves both names on one inode (the same text, harmless). rename()
   * between two names of one inode does nothing and would leave the temporary name behind, so a config.toml
   * that already has another name is copied instead, as on a filesystem without hard links.
   */
  async function keepPrevious(current: Buffer, info: FileInfo) {
    if (info.nlink === 1 && (await linkPrevious())) return;
    await writeFileAtomic(fs, prevPath, current, {
      mode: info.mode & 0o777,
      owner: { uid: info.uid, gid: info.gid },
    });
  }

  /** Gives config.toml the name config.toml.paddock-prev too; false when this filesystem cannot. */
  async function linkPrevious(): Promise<boolean> {
    const temp = tempPathFor(prevPath);
    try {
      await fs.link(configPath, temp);
    } catch (err) {
      if (NO_HARD_LINKS.has(errnoCode(err) ?? '')) return false;
      throw err;
    }
    try {
      await fs.rename(temp, prevPath);
    } catch (err) {
      await fs.unlink(temp).catch(() => {});
      throw err;
    }
    return true;
  }

  /**
   * gitlab-runner may have rotated a token since the last apply (the old one is revoked at GitLab). A revision
   * rendered before Paddock adopted the new token would put the revoked one back and stop that runner, so it is
   * refused until Paddock sends a revision with the current token.
   */
  function revokedTokenRestore(diskText: string, nextText: string): string | null {
    if (appliedText === null || applied === null || sha256Hex(diskText) === applied.sha256) return null;
    const diff = comparer.compare(appliedText, diskText);
    if (diff.kind !== 'tokenRotation') return null;
    const before = comparer.inspect(appliedText)?.runners ?? [];
    const next = comparer.inspect(nextText)?.runners ?? [];
    const sameRunner = (a: RunnerRef, b: RunnerRef) => a.url === b.url && a.id === b.id;
    const restored = diff.tokens.filter((rotated) => {
      const old = before.find((r) => sameRunner(r.ref, rotated.runner))?.token;
      const incoming = next.find((r) => sameRunner(r.ref, rotated.runner))?.token;
      return old !== undefined && incoming === old && incoming !== rotated.token;
    });
    if (restored.length === 0) return null;
    const which = restored.map((t) => `${t.runner.url} id ${t.runner.id}`).join(', ');
    return (
      `gitlab-runner rotated the token of ${which} after revision ${applied.number}; this revision still has the ` +
      'old, revoked token. It was not written; send a revision with the rotated token (reported as tokenRotated)'
    );
  }

  async function applyNow(req: ApplyRequest): Promise<ApplyOutcome> {
    const { revision } = req;
    const fail = (code: FailureCode, message: string): ApplyOutcome => ({
      kind: 'failed',
      revision,
      code,
      message: message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX - 1)}…` : message,
    });

    const bytes = Buffer.from(req.config, 'utf8');
    const actual = sha256Hex(bytes);
    if (actual !== req.sha256) {
      return fail('hash_mismatch', `the config's sha256 is ${actual}, the message says ${req.sha256}`);
    }
    if (applied && revision < applied.number) {
      return { kind: 'ignored', revision, reason: `revision ${applied.number} is already applied` };
    }
    const problems = comparer.validate(req.config);
    if (problems.length > 0) {
      const list = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
      return fail('invalid_content', `gitlab-runner would not accept this config.toml: ${list}`);
    }

    let current: Buffer | null;
    try {
      current = await readIfExists(fs, configPath);
    } catch (err) {
      return fail(failureCodeOf(err), describeFsError(`read ${configPath}`, err));
    }
    if (current !== null && sha256Hex(current) === req.sha256) {
      await record(revision, req.sha256, req.config);
      return { kind: 'applied', revision, sha256: req.sha256, written: false };
    }
    const stale = current === null ? null : revokedTokenRestore(current.toString('utf8'), req.config);
    if (stale) return fail('invalid_content', stale);

    let step = '';
    const writeConfig = async () => {
      if (current === null) {
        step = `write ${configPath}`;
        return writeFileAtomic(fs, configPath, bytes, { mode: 0o600 });
      }
      step = `stat ${configPath}`;
      const info = await fs.stat(configPath);
      step = `write ${configPath}`;
      // Keep what the operator (or gitlab-runner) chose for the file: its permissions and owner.
      return writeFileAtomic(fs, configPath, bytes, {
        mode: info.mode & 0o777,
        owner: { uid: info.uid, gid: info.gid },
        beforeRename: async () => {
          step = `keep the previous file as ${prevPath}`;
          await keepPrevious(current, info);
          step = `write ${configPath}`;
        },
      });
    };
    try {
      const result = await inDir(configDir, writeConfig, () => (step = `create ${configDir}`));
      if (!result.durable) {
        logger.warn('config.toml replaced, but syncing its directory failed', {
          path: configPath,
          code: errnoCode(result.syncError),
        });
      }
    } catch (err) {
      return fail(failureCodeOf(err), describeFsError(step, err));
    }
    await record(revision, req.sha256, req.config);
    return { kind: 'applied', revision, sha256: req.sha256, written: true };
  }

  return {
    configPath,
    async load() {
      const state = await readState(fs, stateDir, machineId, logger);
      applied = state.applied;
      appliedText = state.appliedText;
      await removeLeftovers(configDir, [configPath, prevPath]);
      const names = await removeLeftovers(stateDir, [statePath.state, statePath.legacyText]);
      legacyTextLeft = names.includes(LEGACY_TEXT_FILE);
    },
    applied: () => applied,
    appliedText: () => appliedText,
    apply: (req) => exclusive(() => applyNow(req)),
    readDisk: () => exclusive(readDiskNow),
    snapshot: () => exclusive(async () => ({ applied, appliedText, disk: await readDiskNow() })),
  };
}
