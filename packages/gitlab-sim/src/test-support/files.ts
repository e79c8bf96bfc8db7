/** Temp directories and config files with a chosen mtime, for tests that run against real files. */
import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'runner-sim-'));
  dirs.push(dir);
  return dir;
}

/**
 * Replaces `path` with `text` and the given mtime (seconds since the epoch), atomically: a temp file gets the
 * content and the mtime, then a rename puts it in place. A plain write would let the simulator's mtime check catch
 * a half-written file with a fresh mtime, which is exactly the race a control plane must avoid.
 */
export async function writeWithMtime(path: string, text: string, mtimeSeconds: number): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, text);
  await utimes(temp, mtimeSeconds, mtimeSeconds);
  await rename(temp, path);
}

/** A machine-id file holding the fact sheet's test vector (s_ee3af03959fe). */
export async function machineIdFile(dir: string, id = '0123456789abcdef0123456789abcdef'): Promise<string> {
  const path = join(dir, 'machine-id');
  await writeFile(path, `${id}\n`);
  return path;
}
