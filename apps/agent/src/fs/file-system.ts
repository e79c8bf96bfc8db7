/**
 * The filesystem seam. Everything the agent writes (config.toml, its state, the credential, `.runner_system_id`)
 * goes through this interface, one method per system call, so tests can fail any single step (ENOSPC on the
 * fsync, EROFS on the rename, a crash between two steps) against a real temporary directory.
 */
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';

export interface FileInfo {
  /** permission bits only (mode & 0o7777) */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  ino: number;
  /** how many names (hard links) the file has */
  nlink: number;
  isFile: boolean;
}

/** An open file, written once from the start and synced before it is closed. */
export interface WritableFile {
  write(data: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  chmod(mode: number): Promise<void>;
  chown(uid: number, gid: number): Promise<void>;
  close(): Promise<void>;
}

export interface FileSystem {
  readFile(path: string): Promise<Buffer>;
  stat(path: string): Promise<FileInfo>;
  /** Creates a new file (fails when it exists) with `mode` before the umask. */
  createExclusive(path: string, mode: number): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  /** Gives the file at `existing` a second name, `path` (a hard link); fails when `path` exists. */
  link(existing: string, path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, mode: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** Makes a directory's entries (a rename) durable. */
  syncDir(path: string): Promise<void>;
}

/** The real filesystem. */
export const nodeFileSystem: FileSystem = {
  readFile: (path) => fsp.readFile(path),
  async stat(path) {
    const s = await fsp.stat(path);
    return {
      mode: s.mode & 0o7777,
      uid: s.uid,
      gid: s.gid,
      size: s.size,
      mtimeMs: s.mtimeMs,
      ino: s.ino,
      nlink: s.nlink,
      isFile: s.isFile(),
    };
  },
  async createExclusive(path, mode) {
    const handle = await fsp.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    return {
      async write(data) {
        // FileHandle.write may write less than asked; loop until everything is out.
        let offset = 0;
        while (offset < data.byteLength) {
          const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset);
          offset += bytesWritten;
        }
      },
      sync: () => handle.sync(),
      chmod: (m) => handle.chmod(m),
      chown: (uid, gid) => handle.chown(uid, gid),
      close: () => handle.close(),
    };
  },
  rename: (from, to) => fsp.rename(from, to),
  link: (existing, path) => fsp.link(existing, path),
  unlink: (path) => fsp.unlink(path),
  async mkdir(path, mode) {
    await fsp.mkdir(path, { recursive: true, mode });
  },
  chmod: (path, mode) => fsp.chmod(path, mode),
  readdir: (path) => fsp.readdir(path),
  async syncDir(path) {
    const handle = await fsp.open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** The errno code of a filesystem error, if it has one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Reads a file, or null when it does not exist (any other error is thrown). */
export async function readIfExists(fs: FileSystem, path: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}
