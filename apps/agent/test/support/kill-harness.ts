/**
 * Kill the agent in the middle of writing config.toml, many times, and check after every kill that the file is
 * exactly one of the two texts it was switching between, never a prefix or a mix; that the previous file kept as
 * `config.toml.paddock-prev` is whole too; and that the next start removes every temporary file the killed
 * process left behind.
 *
 * The victim (kill-writer-main.ts) is bundled once with esbuild, so a start costs a plain `node` start, not a
 * TypeScript compile. It announces each apply on stdout before it starts; the harness sends SIGKILL a random
 * time after such an announcement, spread over about twice the time one apply takes (measured first, without
 * kills), so kills land before the write, during it, between the fsync and the rename, and after the rename
 * while the state is written. In the trickling mode every file is written a few bytes at a time, so most kills
 * land while a temporary file is half written.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseRunnerConfig, validateRunnerConfig } from '@paddock/runner-config';

const VICTIM_SOURCE = fileURLToPath(new URL('./kill-writer-main.ts', import.meta.url));

export interface KillCampaignOptions {
  /** SIGKILLs to send, in all */
  kills: number;
  /** victims killed side by side, each over a directory of its own */
  lanes?: number;
  /** write every file `chunk` bytes at a time, pausing `pauseMs` between chunks */
  trickle?: { chunk: number; pauseMs: number };
  /** where the lanes' directories go (default: the system's temp dir) */
  root?: string;
  /** random numbers in [0, 1); Math.random by default */
  random?: () => number;
}

/** Where one kill landed, told from the victim's last line and the file left on disk. */
export type Landing =
  /** an apply had started, config.toml still has the text it replaced */
  | 'beforeRename'
  /** an apply had started and config.toml already has its text: the kill hit the state write or a sync */
  | 'afterRename'
  /** between two applies (the last one had answered) */
  | 'betweenApplies';

export interface KillCampaignResult {
  kills: number;
  landings: Record<Landing, number>;
  /** kills after which a temporary file (config.toml's or the state's) was left on disk */
  killsLeavingTempFiles: number;
  /** temporary files the next start reported removing, in all */
  tempFilesRemovedAtStart: number;
  /**
   * per filesystem call (`fsync .config.toml.tmp`): kills that landed while it was the last one started; a kill
   * can also land in the next apply, while its text is still being validated
   */
  lastStep: Record<string, number>;
  /** what the write sequence of a fresh process's first apply took without kills (median ms), and the range kills were spread over after its first step */
  applyMedianMs: number;
  killWindowMs: number;
  /** broken invariants, one line each; empty when the store held up */
  violations: string[];
  ms: number;
}

/** Two valid config.toml texts of quite different sizes (about 1 KB and 40 KB), with different settings. */
export function twoConfigs(): [string, string] {
  const runner = (i: number, limit: number) =>
    [
      '[[runners]]',
      `  name = "kill-test-${i}"`,
      '  url = "https://gitlab.example.com/"',
      `  id = ${1000 + i}`,
      `  token = "glrt-t1_KillTest${String(i).padStart(12, '0')}"`,
      '  token_obtained_at = 2026-01-01T00:00:00Z',
      '  token_expires_at = 0001-01-01T00:00:00Z',
      '  executor = "docker"',
      `  limit = ${limit}`,
      '  request_concurrency = 2',
      '  [runners.docker]',
      '    image = "alpine:3.20"',
      '    privileged = false',
      '    volumes = ["/cache"]',
      '',
    ].join('\n');
  const head = (concurrent: number) => `concurrent = ${concurrent}\ncheck_interval = 3\n\n`;
  const small = head(4) + runner(0, 2);
  const large = head(64) + Array.from({ length: 80 }, (_, i) => runner(i, 3)).join('\n');
  for (const text of [small, large]) {
    const parsed = parseRunnerConfig(text);
    if (!parsed.ok) throw new Error(`test config does not parse: ${JSON.stringify(parsed.problems)}`);
    const errors = validateRunnerConfig(parsed.config).filter((p) => p.severity === 'error');
    if (errors.length) throw new Error(`test config is invalid: ${JSON.stringify(errors)}`);
  }
  return [small, large];
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Bundles the victim into `dir`; returns the file to run with node. */
export async function buildVictim(dir: string): Promise<string> {
  const outfile = join(dir, 'kill-writer.mjs');
  await build({
    entryPoints: [VICTIM_SOURCE],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    conditions: ['@paddock/source'],
    logLevel: 'warning',
  });
  return outfile;
}

interface Victim {
  lines: string[];
  /** when each line arrived (performance.now()) */
  arrived: number[];
  /** resolves with the next line matching `prefix` */
  next(prefix: string): Promise<string>;
  /** lets it begin applying after `ready` */
  go(): void;
  kill(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function startVictim(script: string, args: string[]): Victim {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  });
  const lines: string[] = [];
  const arrived: number[] = [];
  let partial = '';
  let err = '';
  const waiters: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      arrived.push(performance.now());
      for (const w of waiters.splice(0)) {
        if (line.startsWith(w.prefix)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close' rather than 'exit': by then every line the victim wrote has been read.
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    lines,
    arrived,
    next: (prefix) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((l) => l.startsWith(prefix));
        if (seen) return resolve(seen);
        waiters.push({ prefix, resolve });
        void exited.then(({ code, signal }) =>
          reject(new Error(`victim exited (${code ?? signal}) before "${prefix}": ${lines.at(-1)} ${err}`)),
        );
      }),
    go: () => child.stdin.write('go\n'),
    kill: () => child.kill('SIGKILL'),
    exited,
    stderr: () => err,
  };
}

/** The first filesystem call of an apply's write sequence: the kills are timed from here. */
const WRITING = 'step mkdir ';

const isTemp = (name: string) => /^\..+\.paddock-[0-9a-f]{12}\.tmp$/.test(name);

async function tempFiles(dirs: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    found.push(...names.filter(isTemp).map((n) => join(dir, n)));
  }
  return found;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Runs the campaign; every directory it made is removed before it returns, whatever happened. */
export async function runKillCampaign(options: KillCampaignOptions): Promise<KillCampaignResult> {
  const random = options.random ?? Math.random;
  const lanes = options.lanes ?? 2;
  const work = await mkdtemp(join(options.root ?? tmpdir(), 'paddock-kill-'));
  const running = new Set<Victim>();
  try {
    const script = await buildVictim(work);
    const [a, b] = twoConfigs();
    const hashes = new Map([
      [sha256(a), 'a'],
      [sha256(b), 'b'],
    ]);
    await writeFile(join(work, 'a.toml'), a);
    await writeFile(join(work, 'b.toml'), b);
    const trickle = options.trickle
      ? ['--chunk', String(options.trickle.chunk), '--pause-ms', String(options.trickle.pauseMs)]
      : [];
    const laneArgs = async (lane: number) => {
      const dir = join(work, `lane-${lane}`);
      await mkdir(join(dir, 'etc'), { recursive: true });
      const config = join(dir, 'etc', 'config.toml');
      const state = join(dir, 'state');
      const args = ['--config', config, '--state-dir', state, '--a', join(work, 'a.toml')];
      return {
        config,
        dirs: [join(dir, 'etc'), state],
        args: [...args, '--b', join(work, 'b.toml'), ...trickle],
      };
    };

    // Calibration: how long the write sequence of the first apply of a fresh process takes here (from its first
    // step, creating config.toml's directory, to the answer), over a config.toml that exists, with nobody
    // killing anything. Validating the text comes before and is left out: it touches no file.
    const calibration = await laneArgs(-1);
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      const probe = startVictim(script, calibration.args);
      running.add(probe);
      await probe.next('ready');
      probe.go();
      const writing = await probe.next(WRITING);
      const done = await probe.next('done ');
      const at = (line: string) => probe.arrived[probe.lines.indexOf(line)]!;
      if (i > 0) durations.push(at(done) - at(writing));
      probe.kill();
      await probe.exited;
      running.delete(probe);
    }
    const applyMedianMs = median(durations);
    const killWindowMs = Math.max(2, applyMedianMs * 1.5);

    const result: KillCampaignResult = {
      kills: 0,
      landings: { beforeRename: 0, afterRename: 0, betweenApplies: 0 },
      lastStep: {},
      killsLeavingTempFiles: 0,
      tempFilesRemovedAtStart: 0,
      applyMedianMs,
      killWindowMs,
      violations: [],
      ms: 0,
    };
    const t0 = performance.now();
    let budget = options.kills;

    const lane = async (index: number) => {
      const { config, dirs, args } = await laneArgs(index);
      let last: Buffer | null = null;
      /** Starts a victim and checks what its start did: clean up after the last kill, leave config.toml alone. */
      const start = async (): Promise<Victim> => {
        const victim = startVictim(script, args);
        running.add(victim);
        const ready = await victim.next('ready');
        result.tempFilesRemovedAtStart += Number(ready.split(' ')[1]);
        const stale = await tempFiles(dirs);
        if (stale.length) result.violations.push(`temporary files survived a start: ${stale.join(', ')}`);
        const atStart = await readFile(config).catch(() => null);
        if (last && (!atStart || !atStart.equals(last))) {
          result.violations.push('config.toml changed between the kill and the next start');
        }
        victim.go();
        return victim;
      };
      const kill = async (victim: Victim) => {
        victim.kill();
        const { code, signal } = await victim.exited;
        running.delete(victim);
        if (signal !== 'SIGKILL') {
          throw new Error(`victim ended by itself (${code}): ${victim.lines.at(-1)} ${victim.stderr()}`);
        }
      };

      // The host already has a config.toml (and the agent its state) before the first kill.
      const first = startVictim(script, args);
      running.add(first);
      await first.next('ready');
      first.go();
      await first.next('done ');
      await kill(first);
      last = await readFile(config);

      while (budget > 0 && result.violations.length === 0) {
        budget--;
        const victim = await start();
        await victim.next(WRITING);
        await new Promise((resolve) => setTimeout(resolve, random() * killWindowMs));
        await kill(victim);
        result.kills++;

        const file = await readFile(config).catch(() => null);
        if (!file || !hashes.has(sha256(file))) {
          result.violations.push(
            `kill ${result.kills}: config.toml is ${file ? `${file.length} bytes of neither text` : 'missing'}`,
          );
          break;
        }
        if (!parseRunnerConfig(file.toString('utf8')).ok) {
          result.violations.push(`kill ${result.kills}: config.toml does not parse`);
        }
        const prev = await readFile(`${config}.paddock-prev`).catch(() => null);
        if (prev && !hashes.has(sha256(prev))) {
          result.violations.push(`kill ${result.kills}: config.toml.paddock-prev is partial`);
        }
        if ((await tempFiles(dirs)).length > 0) result.killsLeavingTempFiles++;
        const where = landing(victim.lines, sha256(file));
        result.landings[where.landing]++;
        result.lastStep[where.step] = (result.lastStep[where.step] ?? 0) + 1;
        last = file;
      }
      // One more start, to see the last kill's leftovers removed too.
      await kill(await start());
    };
    await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
    result.ms = performance.now() - t0;
    return result;
  } finally {
    for (const victim of running) victim.kill();
    await Promise.all([...running].map((v) => v.exited));
    await rm(work, { recursive: true, force: true });
  }
}

function landing(lines: string[], fileSha: string): { landing: Landing; step: string } {
  // The harness kills only after a `begin`, so there is always one.
  const begun = lines.findLastIndex((l) => l.startsWith('begin '));
  const after = lines.slice(begun + 1);
  const step =
    after.findLast((l) => l.startsWith('step '))?.slice('step '.length) ?? 'validating (no file touched yet)';
  if (after.some((l) => l.startsWith('done '))) return { landing: 'betweenApplies', step: 'after done' };
  return { landing: lines[begun]!.split(' ')[2] === fileSha ? 'afterRename' : 'beforeRename', step };
}
