/**
 * The real filesystem with failures on demand: every system call is counted and named, and a test can make the
 * n-th one (or any matching one) throw an errno error, or "crash" there: that call and every later one fail,
 * as if the process had died, so no clean-up runs.
 */
import type { FileSystem, WritableFile } from '../../src/fs/file-system.js';
import { nodeFileSystem } from '../../src/fs/file-system.js';

export interface Call {
  n: number;
  op: string;
  path: string;
}

export type FailRule = (call: Call) => NodeJS.ErrnoException | 'crash' | null;

export class CrashError extends Error {
  override name = 'CrashError';
}

export function errnoError(code: string, syscall = 'write', path?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(
    `${code}: simulated failure, ${syscall}${path ? ` '${path}'` : ''}`,
  );
  err.code = code;
  err.syscall = syscall;
  return err;
}

export interface FaultyFs extends FileSystem {
  calls: Call[];
  rule: FailRule | null;
  crashed: boolean;
}

export function faultyFs(base: FileSystem = nodeFileSystem): FaultyFs {
  function gate(op: string, path: string) {
    if (faulty.crashed) throw new CrashError(`process is dead (${op})`);
    const call = { n: faulty.calls.length + 1, op, path };
    faulty.calls.push(call);
    const verdict = faulty.rule?.(call) ?? null;
    if (verdict === 'crash') {
      faulty.crashed = true;
      throw new CrashError(`crash at ${op} ${path}`);
    }
    if (verdict) throw verdict;
  }

  const faulty: FaultyFs = {
    calls: [],
    rule: null,
    crashed: false,
    async readFile(path) {
      gate('readFile', path);
      return base.readFile(path);
    },
    async stat(path) {
      gate('stat', path);
      return base.stat(path);
    },
    async createExclusive(path, mode) {
      gate('create', path);
      const file = await base.createExclusive(path, mode);
      const wrapped: WritableFile = {
        async write(data) {
          if (faulty.crashed) throw new CrashError('process is dead (write)');
          const call = { n: faulty.calls.length + 1, op: 'write', path };
          faulty.calls.push(call);
          const verdict = faulty.rule?.(call) ?? null;
          if (verdict) {
            // A failing write can leave a prefix behind, as a real one can.
            await file.write(data.subarray(0, Math.floor(data.byteLength / 2)));
            if (verdict === 'crash') {
              faulty.crashed = true;
              throw new CrashError(`crash at write ${path}`);
            }
            throw verdict;
          }
          return file.write(data);
        },
        async sync() {
          gate('fsync', path);
          return file.sync();
        },
        async chmod(mode) {
          gate('fchmod', path);
          return file.chmod(mode);
        },
        async chown(uid, gid) {
          gate('fchown', path);
          return file.chown(uid, gid);
        },
        async close() {
          // Closing always releases the descriptor, even after a failure; a crash would have too.
          await file.close();
          gate('close', path);
        },
      };
      return wrapped;
    },
    async rename(from, to) {
      gate('rename', to);
      return base.rename(from, to);
    },
    async link(existing, path) {
      gate('link', path);
      return base.link(existing, path);
    },
    async unlink(path) {
      gate('unlink', path);
      return base.unlink(path);
    },
    async mkdir(path, mode) {
      gate('mkdir', path);
      return base.mkdir(path, mode);
    },
    async chmod(path, mode) {
      gate('chmod', path);
      return base.chmod(path, mode);
    },
    async readdir(path) {
      gate('readdir', path);
      return base.readdir(path);
    },
    async syncDir(path) {
      gate('fsyncDir', path);
      return base.syncDir(path);
    },
  };
  return faulty;
}
