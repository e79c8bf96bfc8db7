/**
 * A Postgres cluster of a test's own, for the scenarios that stop, freeze or restart the database: initdb into a
 * temp directory, trust authentication, a free port on 127.0.0.1. The shared server the other tests use is never
 * touched. As root, every Postgres program runs as the `postgres` user (Postgres refuses to run as root), which
 * owns the directory. `destroy()` stops the cluster and removes the directory, whatever state it is in.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDatabase } from '../../../apps/api/src/db/client.js';

const exec = promisify(execFile);

/** Postgres's programs: pg_config's bindir, else the newest /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string | null {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [fromConfig.status === 0 ? fromConfig.stdout.trim() : ''];
  if (existsSync('/usr/lib/postgresql')) {
    const majors = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((m) => `/usr/lib/postgresql/${m}/bin`));
  }
  return (
    candidates.find(
      (dir) => dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')),
    ) ?? null
  );
}

/** Why a private cluster cannot be made here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (!postgresBinDir()) return 'no initdb/pg_ctl found (install postgresql)';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return 'running as root without a postgres user to run the cluster as';
  }
  return null;
}

export interface PrivatePostgres {
  port: number;
  /** connection string of a database on it */
  url(database?: string): string;
  /** pg_ctl stop; `immediate` is a crash: no checkpoint, clients cut off */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP (or SIGCONT) the postmaster and every backend: a database that holds connections but never answers */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no initdb/pg_ctl found');
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paddock-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const run = (program: string, args: string[]) => {
    const command = path.join(bin, program);
    return asRoot
      ? exec('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: dir })
      : exec(command, args, { cwd: dir });
  };
  const port = await freePort();
  // fsync off: a test cluster has nothing to keep across a power cut, and a crash stop (immediate) still runs
  // crash recovery at the next start, which is the part worth testing.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let started = false;
  const pgCtl = async (args: string[]) => {
    try {
      await run('pg_ctl', ['-D', data, ...args]);
    } catch (error) {
      const tail = spawnSync('tail', ['-n', '20', log], { encoding: 'utf8' }).stdout;
      throw new Error(`pg_ctl ${args[0]} failed: ${(error as Error).message}\n${tail}`, { cause: error });
    }
  };
  const postgresPids = (): number[] => {
    const postmaster = spawnSync('head', ['-n', '1', path.join(data, 'postmaster.pid')], {
      encoding: 'utf8',
    });
    const pid = Number(postmaster.stdout.trim());
    if (!pid) return [];
    const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout;
    return [pid, ...children.split('\n').filter(Boolean).map(Number)];
  };
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of postgresPids()) {
      try {
        process.kill(pid, sig);
      } catch {
        // A backend that just ended.
      }
    }
  };

  try {
    await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    const instance: PrivatePostgres = {
      port,
      url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
      async stop(mode = 'fast') {
        await pgCtl(['stop', '-m', mode, '-w']);
        started = false;
      },
      async start() {
        await pgCtl(['start', '-w', '-t', '60', '-l', log, '-o', options]);
        started = true;
      },
      async freeze() {
        signal('SIGSTOP');
      },
      async thaw() {
        signal('SIGCONT');
      },
      async destroy() {
        signal('SIGCONT');
        if (started) await instance.stop('immediate').catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
    await instance.start();
    return instance;
  } catch (error) {
    if (started) await run('pg_ctl', ['-D', data, 'stop', '-m', 'immediate']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Creates a database on the cluster (through the API's database module: e2e has no driver of its own). */
export async function createDatabaseOn(server: PrivatePostgres, name: string): Promise<string> {
  const admin = createDatabase({ connectionString: server.url(), maxConnections: 1 });
  try {
    await admin.pool.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.close();
  }
  return server.url(name);
}
