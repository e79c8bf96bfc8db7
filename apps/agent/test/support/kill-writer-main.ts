/**
 * The victim of the kill-mid-write scenario (kill-harness.ts): a process that runs the agent's real config store
 * over the real filesystem and applies two valid config.toml texts in turn, forever, until it is killed.
 *
 *   node kill-writer.js --config PATH --state-dir DIR --a FILE --b FILE [--chunk BYTES --pause-ms MS]
 *
 * It prints one line per event on stdout, each written synchronously so that a line is in the pipe before the
 * step it announces starts, and is still there after a SIGKILL:
 *   ready <leftovers removed>                  the store loaded (and cleaned what the last victim left); it then
 *                                              waits for a line on stdin before its first apply
 *   begin <revision> <sha256> <ms since start>  an apply of that text starts
 *   step <call> <file>                          a filesystem call of the apply starts (`write .config.toml.tmp`)
 *   done <revision> <ms the apply took>          it answered `applied`
 * The steps come from the agent's own filesystem seam, wrapped to announce each call. With `--chunk`, every file
 * is also written `chunk` bytes at a time with a pause between, so that a kill lands while a temporary file is
 * half written.
 */
import { once } from 'node:events';
import { writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { runnerConfigComparer } from '../../src/config-store/compare.js';
import { createConfigStore } from '../../src/config-store/config-store.js';
import { sha256Hex } from '../../src/config-store/state.js';
import { nodeFileSystem, type FileSystem } from '../../src/fs/file-system.js';
import { createLogger } from '../../src/log/logger.js';

const say = (line: string) => writeSync(1, `${line}\n`);

/** A temporary file is announced by its target's name: `.config.toml.paddock-1a2b3c4d5e6f.tmp` → `.config.toml.tmp`. */
const shortName = (path: string) => basename(path).replace(/\.paddock-[0-9a-f]{12}\.tmp$/, '.tmp');

/**
 * The real filesystem, announcing every call before it is made; with `trickle`, writes go out in small pieces
 * with a pause between them.
 */
function announcingFs(trickle: { chunk: number; pauseMs: number } | null): FileSystem {
  const step = (call: string, path: string) => say(`step ${call} ${shortName(path)}`);
  const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const base = nodeFileSystem;
  return {
    readFile: (path) => (step('readFile', path), base.readFile(path)),
    stat: (path) => (step('stat', path), base.stat(path)),
    async createExclusive(path, mode) {
      step('create', path);
      const file = await base.createExclusive(path, mode);
      return {
        async write(data) {
          step('write', path);
          if (!trickle) return file.write(data);
          for (let offset = 0; offset < data.byteLength; offset += trickle.chunk) {
            await file.write(data.subarray(offset, offset + trickle.chunk));
            await pause(trickle.pauseMs);
          }
        },
        sync: () => (step('fsync', path), file.sync()),
        chmod: (m) => (step('fchmod', path), file.chmod(m)),
        chown: (uid, gid) => (step('fchown', path), file.chown(uid, gid)),
        close: () => (step('close', path), file.close()),
      };
    },
    rename: (from, to) => (step('rename', to), base.rename(from, to)),
    link: (existing, path) => (step('link', path), base.link(existing, path)),
    unlink: (path) => (step('unlink', path), base.unlink(path)),
    mkdir: (path, mode) => (step('mkdir', path), base.mkdir(path, mode)),
    chmod: (path, mode) => (step('chmod', path), base.chmod(path, mode)),
    readdir: (path) => (step('readdir', path), base.readdir(path)),
    syncDir: (path) => (step('fsyncDir', path), base.syncDir(path)),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      'state-dir': { type: 'string' },
      a: { type: 'string' },
      b: { type: 'string' },
      chunk: { type: 'string' },
      'pause-ms': { type: 'string' },
    },
  });
  const texts = await Promise.all([readFile(values.a!, 'utf8'), readFile(values.b!, 'utf8')]);
  const hashes = texts.map((t) => sha256Hex(t));
  let removed = 0;
  const logger = createLogger({
    level: 'info',
    write(line) {
      if (line.includes('removed a temporary file')) removed++;
    },
  });
  const fs = announcingFs(
    values.chunk ? { chunk: Number(values.chunk), pauseMs: Number(values['pause-ms'] ?? 1) } : null,
  );
  const store = createConfigStore({
    configPath: values.config!,
    stateDir: values['state-dir']!,
    machineId: 'kill-mid-write',
    comparer: runnerConfigComparer,
    fs,
    logger,
  });
  await store.load();
  say(`ready ${removed}`);
  // The harness looks at the directory between the start and the first apply, then says go.
  await once(process.stdin, 'data');
  const t0 = performance.now();
  for (;;) {
    const disk = await store.readDisk();
    const next = disk?.sha256 === hashes[0] ? 1 : 0;
    const revision = (store.applied()?.number ?? 0) + 1;
    say(`begin ${revision} ${hashes[next]} ${(performance.now() - t0).toFixed(2)}`);
    const started = performance.now();
    const outcome = await store.apply({ revision, config: texts[next]!, sha256: hashes[next]! });
    if (outcome.kind !== 'applied') {
      say(`error ${JSON.stringify(outcome)}`);
      process.exit(1);
    }
    say(`done ${revision} ${(performance.now() - started).toFixed(2)}`);
  }
}

main().catch((err: unknown) => {
  say(`error ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
