/**
 * The only writer of gitlab-runner's config.toml on the agent's side. `apply` checks the revision (hash, order,
 * content), then replaces the file atomically, keeping the previous one as `config.toml.paddock-prev`. The new
 * file's fresh mtime is what gitlab-runner's 3 s poll reacts to; no signal is needed.
 *
 * Applies and disk reads are serialised, so a drift check never sees a half-finished apply.
 */
import { dirname, join } from 'node:path';
import type { RunnerRef } from '@paddock/protocol';
import type { FileSystem } from '../fs/file-system.js';
import { errnoCode, readIfExists } from '../fs/file-system.js';
import { isTempNameFor, writeFileAtomic } from '../fs/atomic-write.js';
import type { Logger } from '../log/logger.js';
import type { ConfigComparer } from './comparer.js';
import { describeFsError, failureCodeOf, type FailureCode } from './failure.js';
import { readState, sha256Hex, statePaths, writeState, type AppliedRevision } from './state.js';

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

/** Creates the config store over `fs` (the real filesystem in production, a faulty one in tests). */
export function createConfigStore(options: ConfigStoreOptions): ConfigStore {
  const { configPath, stateDir, machineId, comparer, fs, logger } = options;
  const prevPath = `${configPath}${PREV_SUFFIX}`;
  let applied: AppliedRevision | null = null;
  let appliedText: string | null = null;
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

  async function removeLeftovers(dir: string, targets: string[]) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!targets.some((t) => isTempNameFor(t, name))) continue;
      const path = join(dir, name);
      await fs.unlink(path).then(
        () => logger.info('removed a temporary file left by an interrupted write', { path }),
        () => {},
      );
    }
  }

  async function record(revision: number, sha256: string, text: string) {
    applied = { number: revision, sha256 };
    appliedText = text;
    try {
      await writeState(fs, stateDir, machineId, applied, text);
    } catch (err) {
      // config.toml is already right; only a restart would report the older revision, and the API re-sends it.
      logger.error('cannot persist the applied revision', {
        revision,
        stateDir,
        reason: describeFsError(`write the state in ${stateDir}`, err),
      });
    }
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

    let step = `create ${dirname(configPath)}`;
    try {
      await fs.mkdir(dirname(configPath), 0o700);
      let mode = 0o600;
      let owner: { uid: number; gid: number } | undefined;
      if (current !== null) {
        step = `stat ${configPath}`;
        const info = await fs.stat(configPath);
        // Keep what the operator (or gitlab-runner) chose for the file: its permissions and owner.
        mode = info.mode & 0o777;
        owner = { uid: info.uid, gid: info.gid };
        step = `keep the previous file as ${prevPath}`;
        await writeFileAtomic(fs, prevPath, current, { mode, owner });
      }
      step = `write ${configPath}`;
      const result = await writeFileAtomic(fs, configPath, bytes, { mode, owner });
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
      const paths = statePaths(stateDir);
      await removeLeftovers(dirname(configPath), [configPath, prevPath]);
      await removeLeftovers(stateDir, [paths.state, paths.appliedText]);
    },
    applied: () => applied,
    appliedText: () => appliedText,
    apply: (req) => exclusive(() => applyNow(req)),
    readDisk: () => exclusive(readDiskNow),
    snapshot: () => exclusive(async () => ({ applied, appliedText, disk: await readDiskNow() })),
  };
}
