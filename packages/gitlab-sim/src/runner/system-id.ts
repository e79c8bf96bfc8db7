/**
 * The machine's `system_id`, read and created exactly like gitlab-runner 19.4
 * (commands/internal/configfile/system_id_state.go, denisbrodbeck/machineid id_linux.go):
 *  - `.runner_system_id` beside config.toml; its trimmed content counts only when it matches `^[sr]_[0-9a-zA-Z]{12}$`;
 *  - otherwise `s_` + the first 12 hex digits of HMAC-SHA256(key = machine-id, message = "gitlab-runner"), the
 *    machine-id read from the first readable of /var/lib/dbus/machine-id and /etc/machine-id; with none (or an empty
 *    one), `r_` + 12 random characters of [a-zA-Z0-9];
 *  - the new id is written without a newline, mode 0600 (directory 0700); a failed write is only a warning;
 *  - a file that exists but cannot be read is an error: gitlab-runner then refuses to load.
 */
import { createHmac, randomInt } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const SYSTEM_ID_FILE = '.runner_system_id';
export const SYSTEM_ID_PATTERN = /^[sr]_[0-9a-zA-Z]{12}$/;
/** machineid's lookup order on Linux. */
export const DEFAULT_MACHINE_ID_PATHS: readonly string[] = ['/var/lib/dbus/machine-id', '/etc/machine-id'];

const ID_LENGTH = 12;
const RANDOM_CHARSET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Go's unicode.IsSpace set: unlike JavaScript's trim it keeps U+FEFF and strips U+0085. */
const GO_TRIM =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** strings.TrimSpace. */
function goTrimSpace(text: string): string {
  return text.replace(GO_TRIM, '');
}

export interface SystemIdOptions {
  /** Where the machine-id may be; the first readable file wins, even when empty (as in machineid). */
  readonly machineIdPaths?: readonly string[];
}

export interface SystemIdResult {
  readonly systemId: string;
  /** Where it came from: the state file, the machine-id, or chance. */
  readonly source: 'file' | 'machine-id' | 'random';
  /** Set when a new id could not be saved (gitlab-runner logs this as a warning and uses the id anyway). */
  readonly saveError?: Error;
}

/** `s_` + HMAC-SHA256(machine-id, "gitlab-runner") in lowercase hex, cut to 12. */
export function systemIdFromMachineId(machineId: string): string {
  const mac = createHmac('sha256', machineId).update('gitlab-runner').digest('hex');
  return `s_${mac.slice(0, ID_LENGTH)}`;
}

export function randomSystemId(): string {
  let id = 'r_';
  for (let i = 0; i < ID_LENGTH; i++) id += RANDOM_CHARSET[randomInt(RANDOM_CHARSET.length)];
  return id;
}

/** machineid.ID(): undefined when no candidate file can be read. */
async function readMachineId(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    return goTrimSpace(text.replace(/^\n+|\n+$/g, ''));
  }
  return undefined;
}

export async function generateSystemId(
  options: SystemIdOptions = {},
): Promise<{ systemId: string; source: 'machine-id' | 'random' }> {
  const machineId = await readMachineId(options.machineIdPaths ?? DEFAULT_MACHINE_ID_PATHS);
  if (machineId) return { systemId: systemIdFromMachineId(machineId), source: 'machine-id' };
  return { systemId: randomSystemId(), source: 'random' };
}

function isNotFound(e: unknown): boolean {
  return (e as { code?: unknown }).code === 'ENOENT';
}

/** Reads `.runner_system_id` beside `configPath`, or creates it. Throws when the file exists but is unreadable. */
export async function loadSystemId(
  configPath: string,
  options: SystemIdOptions = {},
): Promise<SystemIdResult> {
  const file = join(dirname(configPath), SYSTEM_ID_FILE);
  let present = true;
  try {
    await stat(file);
  } catch (e) {
    if (!isNotFound(e))
      throw new Error(`loading system ID file: opening ${file}: ${(e as Error).message}`, { cause: e });
    present = false;
  }
  if (present) {
    let contents: string;
    try {
      contents = await readFile(file, 'utf8');
    } catch (e) {
      throw new Error(`loading system ID file: reading ${file}: ${(e as Error).message}`, { cause: e });
    }
    const id = goTrimSpace(contents);
    if (SYSTEM_ID_PATTERN.test(id)) return { systemId: id, source: 'file' };
  }
  const generated = await generateSystemId(options);
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, generated.systemId, { mode: 0o600 });
    return generated;
  } catch (e) {
    return { ...generated, saveError: e as Error };
  }
}
