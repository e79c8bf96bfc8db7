/** Builds RunnerSimulators over temp directories with short intervals, and stops them after each test. */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { JobSource } from '../runner/job-source.js';
import { RunnerSimulator, type RunnerSimulatorOptions, type SimulatorEvent } from '../runner/simulator.js';
import { machineIdFile, tempDir, writeWithMtime } from './files.js';
import { ObservingJobSource } from './observing-job-source.js';

const running: RunnerSimulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
});

/** A fixed past mtime for the first version of config.toml; later versions get later ones. */
export const T0 = 1_700_000_000;

export interface Harness<S extends JobSource> {
  readonly sim: RunnerSimulator;
  readonly source: S;
  readonly dir: string;
  readonly configPath: string;
  /** Replaces config.toml with a chosen mtime (default: one second after the previous write). */
  write(text: string, mtimeSeconds?: number): Promise<void>;
}

export interface HarnessOptions<S extends JobSource> {
  /** config.toml; absent: no file. */
  readonly config?: string;
  readonly source?: S;
  readonly start?: boolean;
  readonly options?: Partial<RunnerSimulatorOptions>;
}

export async function harness<S extends JobSource = ObservingJobSource>(
  options: HarnessOptions<S> = {},
): Promise<Harness<S>> {
  const dir = await tempDir();
  const configPath = join(dir, 'config.toml');
  let mtime = T0;
  const write = async (text: string, mtimeSeconds?: number): Promise<void> => {
    mtime = mtimeSeconds ?? mtime + 1;
    await writeWithMtime(configPath, text, mtime);
  };
  if (options.config !== undefined) await write(options.config, T0);
  const source = options.source ?? (new ObservingJobSource() as unknown as S);
  const sim = new RunnerSimulator({
    configPath,
    jobSource: source,
    machineIdPaths: [await machineIdFile(dir)],
    reloadIntervalMs: 10,
    checkIntervalMs: 4,
    shutdownTimeoutMs: 2000,
    ...options.options,
  });
  running.push(sim);
  if (options.start ?? true) await sim.start();
  return { sim, source, dir, configPath, write };
}

/** Type guard helper for nextEvent. */
export function isEvent<T extends SimulatorEvent['type']>(type: T) {
  return (event: SimulatorEvent): event is Extract<SimulatorEvent, { type: T }> => event.type === type;
}
