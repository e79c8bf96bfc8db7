/**
 * Notices when config.toml stops matching the applied revision and says how, by value:
 * - only runner token fields changed (gitlab-runner rotated a token and re-saved the file) → `tokenRotated`;
 * - anything else → `drift` with the changed paths;
 * - back in line after a reported difference → `drift` with no paths.
 *
 * gitlab-runner and operators write the file in place (not atomically), so changes are debounced. fs.watch on the
 * directory gives quick notice; a periodic stat catches what it misses (network filesystems, replaced
 * directories, inotify limits).
 */
import { watch as fsWatch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Drift, TokenRotated } from '@paddock/protocol';
import { errnoCode, type FileSystem } from '../fs/file-system.js';
import type { Logger } from '../log/logger.js';
import type { ConfigComparer } from './comparer.js';
import type { ConfigStore } from './config-store.js';

/** Path reported when config.toml is gone. */
export const MISSING_FILE_PATH = '(file missing)';

export type DriftMessage = Drift | TokenRotated;

export type Verdict =
  | { kind: 'nothing-applied' }
  | { kind: 'in-line'; revision: number; diskSha256: string; identical: boolean }
  | { kind: 'unknown-baseline'; revision: number }
  | { kind: 'tokens'; message: TokenRotated }
  | { kind: 'drift'; message: Drift };

export type DirWatcher = (dir: string, onChange: (filename: string | null) => void) => { close(): void };

export interface DriftWatcherOptions {
  store: ConfigStore;
  comparer: ConfigComparer;
  fs: FileSystem;
  /** delivers a message to the API; false when there is no connection (the next hello reconciles) */
  send: (message: DriftMessage) => boolean;
  logger: Logger;
  pollIntervalMs?: number;
  debounceMs?: number;
  watchDir?: DirWatcher;
}

export interface DriftWatcher {
  start(): void;
  stop(): void;
  /** Evaluates now. `resend` reports the current difference again even if it was sent before (after a reconnect). */
  check(options?: { resend?: boolean }): Promise<Verdict>;
  /** Forgets what was reported: a new revision was applied. */
  reset(): void;
}

/** Watches with fs.watch; failures (e.g. inotify limits) only leave the periodic stat. */
export const nodeDirWatcher: DirWatcher = (dir, onChange) => {
  const watcher = fsWatch(dir, { persistent: false }, (_event, filename) => onChange(filename ?? null));
  watcher.on('error', () => watcher.close());
  return watcher;
};

export function createDriftWatcher(options: DriftWatcherOptions): DriftWatcher {
  const { store, comparer, fs, send, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const debounceMs = options.debounceMs ?? 250;
  const watchDir = options.watchDir ?? nodeDirWatcher;
  const configPath = store.configPath;
  const fileName = basename(configPath);

  let lastKey: string | null = null;
  /** revision for which a difference was reported and not yet cleared */
  let reportedFor: number | null = null;
  let lastSignature: string | null = null;
  let debounce: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let dirWatcher: { close(): void } | undefined;
  let running: Promise<Verdict> | null = null;
  let followUp: Promise<Verdict> | null = null;
  let followUpResend = false;
  let stopped = true;

  async function evaluate(): Promise<Verdict> {
    const { applied, appliedText, disk } = await store.snapshot();
    if (!applied) return { kind: 'nothing-applied' };
    const revision = applied.number;
    if (!disk) {
      return {
        kind: 'drift',
        message: { type: 'drift', revision, diskSha256: null, paths: [MISSING_FILE_PATH] },
      };
    }
    if (disk.sha256 === applied.sha256)
      return { kind: 'in-line', revision, diskSha256: disk.sha256, identical: true };
    if (appliedText === null) return { kind: 'unknown-baseline', revision };
    const diff = comparer.compare(appliedText, disk.text);
    if (diff.kind === 'same') return { kind: 'in-line', revision, diskSha256: disk.sha256, identical: false };
    if (diff.kind === 'tokenRotation' && diff.tokens.length > 0) {
      return {
        kind: 'tokens',
        message: { type: 'tokenRotated', revision, diskSha256: disk.sha256, tokens: diff.tokens },
      };
    }
    const paths = diff.kind === 'drift' && diff.paths.length > 0 ? diff.paths : ['(unknown)'];
    return { kind: 'drift', message: { type: 'drift', revision, diskSha256: disk.sha256, paths } };
  }

  // gitlab-runner and editors write in place: a check can catch the file truncated or half written. A
  // difference is reported only if the file still has the same content a moment later.
  async function settled(verdict: Verdict): Promise<boolean> {
    if (verdict.kind !== 'drift' && verdict.kind !== 'tokens') return true;
    await new Promise((resolve) => setTimeout(resolve, debounceMs));
    const now = await store.readDisk();
    return (now?.sha256 ?? null) === verdict.message.diskSha256;
  }

  async function checkOnce(resend: boolean): Promise<Verdict> {
    const verdict = await evaluate();
    const key = keyOf(verdict);
    if (key === lastKey && !resend) return verdict;
    if (!(await settled(verdict))) {
      schedule();
      return verdict;
    }
    lastKey = key;

    switch (verdict.kind) {
      case 'nothing-applied':
        return verdict;
      case 'unknown-baseline':
        logger.warn('config.toml differs from the applied revision, but the applied text is unknown', {
          revision: verdict.revision,
        });
        return verdict;
      case 'tokens':
        logger.info('gitlab-runner rotated runner tokens', {
          revision: verdict.message.revision,
          runners: verdict.message.tokens.map((t) => t.runner),
        });
        if (send(verdict.message)) reportedFor = verdict.message.revision;
        return verdict;
      case 'drift':
        logger.warn('config.toml drifted from the applied revision', {
          revision: verdict.message.revision,
          paths: verdict.message.paths,
        });
        if (send(verdict.message)) reportedFor = verdict.message.revision;
        return verdict;
      case 'in-line': {
        // Tell the API when it heard of a difference before, or when the bytes differ (gitlab-runner re-saved the
        // same values) and it is asking again after a reconnect.
        const cleared = reportedFor === verdict.revision;
        if (cleared || (resend && !verdict.identical)) {
          const message: Drift = {
            type: 'drift',
            revision: verdict.revision,
            diskSha256: verdict.diskSha256,
            paths: [],
          };
          if (send(message)) reportedFor = null;
          if (cleared) logger.info('config.toml is back in line', { revision: verdict.revision });
        }
        return verdict;
      }
    }
  }

  function check(opts: { resend?: boolean } = {}): Promise<Verdict> {
    if (running) {
      // Coalesce: callers during a pass share one more pass after it, which sees the newest file.
      followUpResend ||= opts.resend ?? false;
      followUp ??= running.then(() => {
        const resend = followUpResend;
        followUp = null;
        followUpResend = false;
        return check({ resend });
      });
      return followUp;
    }
    running = checkOnce(opts.resend ?? false)
      .catch((err: unknown): Verdict => {
        logger.warn('cannot check config.toml for drift', {
          path: configPath,
          code: errnoCode(err),
          error: err,
        });
        return { kind: 'nothing-applied' };
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  function schedule() {
    if (stopped) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void check(), debounceMs);
    debounce.unref();
  }

  async function pollOnce() {
    let signature: string;
    try {
      const info = await fs.stat(configPath);
      signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (err) {
      signature = `error:${errnoCode(err) ?? 'unknown'}`;
    }
    if (signature !== lastSignature) {
      lastSignature = signature;
      schedule();
    }
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      try {
        dirWatcher = watchDir(dirname(configPath), (name) => {
          if (name === null || name === fileName) schedule();
        });
      } catch (err) {
        logger.warn('cannot watch the config directory; relying on periodic checks', {
          dir: dirname(configPath),
          code: errnoCode(err),
        });
      }
      poll = setInterval(() => void pollOnce(), pollIntervalMs);
      poll.unref();
      void pollOnce();
    },
    stop() {
      stopped = true;
      clearTimeout(debounce);
      clearInterval(poll);
      dirWatcher?.close();
      dirWatcher = undefined;
    },
    check,
    reset() {
      lastKey = null;
      reportedFor = null;
    },
  };
}

function keyOf(v: Verdict): string {
  switch (v.kind) {
    case 'nothing-applied':
      return 'none';
    case 'unknown-baseline':
      return `unknown:${v.revision}`;
    case 'in-line':
      return `ok:${v.revision}:${v.diskSha256}`;
    case 'tokens':
    case 'drift':
      return `${v.kind}:${v.message.revision}:${v.message.diskSha256 ?? 'missing'}`;
  }
}
