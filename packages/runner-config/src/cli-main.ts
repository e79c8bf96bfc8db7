/**
 * The `paddock-config` command line: check, fmt and diff of config.toml files. `main` takes its arguments and its
 * I/O as parameters so that tests run it in-process; cli.ts is the thin executable around it.
 *
 * Exit codes: 0 fine; 1 the file has errors (check, fmt) or the files differ (diff); 2 bad usage, or a file that
 * cannot be read or parsed for a diff.
 */
import { readFile } from 'node:fs/promises';
import { diffRunnerConfigs, onlyTokenRotation, type ConfigChange } from './diff.js';
import { parseRunnerConfig } from './parse.js';
import { hasErrors, type Problem } from './problems.js';
import { renderRunnerConfig } from './render.js';
import type { RunnerConfig } from './schema.js';
import { validateRunnerConfig } from './validate.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => Promise<Uint8Array>;
}

export const nodeIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path),
};

export const USAGE = `Usage: paddock-config <command> [arguments]

Commands:
  check <file>    exit 0 when gitlab-runner would load and run <file>; otherwise list its problems and exit 1
  fmt <file>      print <file> in Paddock's canonical layout (exit 1 if it does not parse)
  diff <a> <b>    exit 0 when gitlab-runner behaves the same with <a> and <b>; otherwise list what changed
                  and exit 1 (token values are masked)
  help            show this text
`;

/** Keys whose values are secrets: only their last four characters are shown. */
const SECRET_KEYS = new Set([
  'token',
  'bearer_token',
  'password',
  'SecretKey',
  'SessionToken',
  'AccountKey',
  'PrivateKey',
  'sentry_dsn',
]);

class CliError extends Error {}

async function load(io: CliIo, file: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : e instanceof Error
              ? e.message
              : String(e);
    throw new CliError(`cannot read ${file}: ${reason}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`cannot read ${file}: it is not valid UTF-8 (gitlab-runner needs UTF-8)`);
  }
}

function problemLine(file: string, p: Problem): string {
  const where = p.path === '' ? file : p.path;
  return p.severity === 'warning' ? `${where}: warning: ${p.message}\n` : `${where}: ${p.message}\n`;
}

function mask(value: string): string {
  return value.length <= 4 ? '…' : `…${value.slice(-4)}`;
}

function masked(value: unknown, secret: boolean): unknown {
  if (typeof value === 'string') return secret ? mask(value) : value;
  if (Array.isArray(value)) return value.map((v) => masked(v, secret));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, SECRET_KEYS.has(k))]));
  }
  return value;
}

function show(change: ConfigChange, value: unknown): string {
  if (value === undefined) return '(absent)';
  const last = /\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(change.path)?.[1] ?? '';
  const shown = masked(value, SECRET_KEYS.has(last));
  return typeof shown === 'string' && SECRET_KEYS.has(last) ? shown : JSON.stringify(shown);
}

async function check(io: CliIo, file: string): Promise<number> {
  const parsed = parseRunnerConfig(await load(io, file));
  const problems = parsed.ok ? [...parsed.warnings, ...validateRunnerConfig(parsed.config)] : parsed.problems;
  for (const p of problems) io.stdout(problemLine(file, p));
  if (!parsed.ok || hasErrors(problems)) return 1;
  const n = problems.length;
  const note = n === 0 ? '' : n === 1 ? ' (1 warning)' : ` (${n} warnings)`;
  io.stdout(`ok: gitlab-runner would load and run ${file}${note}\n`);
  return 0;
}

async function fmt(io: CliIo, file: string): Promise<number> {
  const parsed = parseRunnerConfig(await load(io, file));
  if (!parsed.ok) {
    for (const p of parsed.problems) io.stderr(problemLine(file, p));
    return 1;
  }
  io.stdout(renderRunnerConfig(parsed.config));
  return 0;
}

async function loadModel(io: CliIo, file: string): Promise<RunnerConfig> {
  const parsed = parseRunnerConfig(await load(io, file));
  if (!parsed.ok) {
    for (const p of parsed.problems) io.stderr(problemLine(file, p));
    throw new CliError(`cannot compare: ${file} does not parse`);
  }
  return parsed.config;
}

async function diff(io: CliIo, a: string, b: string): Promise<number> {
  const changes = diffRunnerConfigs(await loadModel(io, a), await loadModel(io, b));
  if (changes.length === 0) {
    io.stdout('same: gitlab-runner behaves the same with both files\n');
    return 0;
  }
  for (const c of changes) io.stdout(`${c.path}: ${show(c, c.before)} → ${show(c, c.after)}\n`);
  if (onlyTokenRotation(changes)) io.stdout('(only token rotation, as gitlab-runner does it itself)\n');
  return 1;
}

/** Runs one command; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  const usage = (message: string): number => {
    io.stderr(`paddock-config: ${message}\n\n${USAGE}`);
    return 2;
  };
  try {
    switch (command) {
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return 0;
      case 'check':
      case 'fmt':
        if (args.length !== 1 || (args[0] as string).startsWith('-'))
          return usage(`${command} takes one file`);
        return command === 'check' ? await check(io, args[0] as string) : await fmt(io, args[0] as string);
      case 'diff':
        if (args.length !== 2 || args.some((a) => a.startsWith('-'))) return usage('diff takes two files');
        return await diff(io, args[0] as string, args[1] as string);
      case undefined:
        return usage('missing command');
      default:
        return usage(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`paddock-config: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
