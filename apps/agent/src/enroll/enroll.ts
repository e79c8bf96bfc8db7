/**
 * `paddock-agent enroll`: trade a one-time enrollment token for this machine's credential
 * (`POST /api/v1/agent/enroll`, contract in @paddock/contracts) and keep it in the state directory.
 */
import { arch as osArch, hostname as osHostname, platform as osPlatform } from 'node:os';
import { EnrollAgentResponse, type EnrollAgentBody } from '@paddock/contracts';
import {
  credentialPath,
  readCredential,
  writeCredential,
  type StoredCredential,
} from '../identity/credential.js';
import { loadOrCreateSystemId } from '../identity/system-id.js';
import { enrollUrl, normalizeServerUrl } from '../connection/server-url.js';
import { errnoCode, type FileSystem, nodeFileSystem } from '../fs/file-system.js';
import type { Logger } from '../log/logger.js';
import { AGENT_VERSION } from '../version.js';

export class EnrollError extends Error {
  override name = 'EnrollError';
}

export interface EnrollOptions {
  server: string;
  token: string;
  stateDir: string;
  configPath: string;
  /** replace an existing credential */
  force: boolean;
  fetch?: typeof fetch;
  fs?: FileSystem;
  machineIdPaths?: readonly string[];
  hostname?: string;
  timeoutMs?: number;
  logger?: Logger;
}

export interface EnrollResult {
  machineId: string;
  systemId: string;
  credentialPath: string;
  replaced: boolean;
}

/** Enrolls this machine. Every failure is an EnrollError whose message is fit for the operator. */
export async function enroll(options: EnrollOptions): Promise<EnrollResult> {
  const fs = options.fs ?? nodeFileSystem;
  const server = normalizeServerUrl(options.server);

  const existing = await readCredential(options.stateDir, fs).catch(() => 'unreadable' as const);
  if (existing !== null && !options.force) {
    const where = credentialPath(options.stateDir);
    const to = existing === 'unreadable' ? '' : ` to ${existing.server} as machine ${existing.machineId}`;
    throw new EnrollError(
      `this agent is already enrolled${to} (${where}); pass --force to enroll again and replace it`,
    );
  }

  const { systemId } = await loadOrCreateSystemId({
    configPath: options.configPath,
    fs,
    machineIdPaths: options.machineIdPaths,
    logger: options.logger,
  });

  const body: EnrollAgentBody = {
    token: options.token,
    hostname: options.hostname ?? osHostname(),
    systemId,
    os: osPlatform(),
    arch: osArch(),
    agentVersion: AGENT_VERSION,
  };
  const answer = await post(options.fetch ?? fetch, server, body, options.timeoutMs ?? 15_000);

  const stored: StoredCredential = { server, machineId: answer.machineId, credential: answer.credential };
  let path: string;
  try {
    path = await writeCredential(options.stateDir, stored, fs);
  } catch (err) {
    // The server already counted this enrollment; say so, since the token may have been single-use.
    throw new EnrollError(
      `enrolled as machine ${answer.machineId}, but the credential could not be saved in ${options.stateDir} ` +
        `(${errnoCode(err) ?? String(err)}); fix the directory and enroll again with a new token`,
    );
  }
  return { machineId: answer.machineId, systemId, credentialPath: path, replaced: existing !== null };
}

async function post(
  fetchFn: typeof fetch,
  server: string,
  body: EnrollAgentBody,
  timeoutMs: number,
): Promise<EnrollAgentResponse> {
  let response: Response;
  try {
    response = await fetchFn(enrollUrl(server), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw new EnrollError(`cannot reach ${server}: ${describeFetchError(err, timeoutMs)}`);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new EnrollError(describeProblem(response.status, text));

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EnrollError(
      `${server} answered HTTP ${response.status} but not with JSON: is this a Paddock server?`,
    );
  }
  const parsed = EnrollAgentResponse.safeParse(json);
  if (!parsed.success) {
    throw new EnrollError(
      `${server} answered with an unexpected enrollment response: is this a Paddock server?`,
    );
  }
  return parsed.data;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  // undici wraps the socket error: "fetch failed" with the errno (ECONNREFUSED, ENOTFOUND, ...) as its cause.
  const cause = err instanceof Error ? (err.cause as unknown) : undefined;
  const code = errnoCode(cause);
  if (code) return code;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Turns an error answer (problem+json when it comes from Paddock) into one readable message. */
export function describeProblem(status: number, text: string): string {
  let problem: { title?: unknown; detail?: unknown; errors?: unknown } | null = null;
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object') problem = value;
  } catch {
    // not JSON: fall back to the status
  }
  const parts = [`enrollment refused (HTTP ${status})`];
  if (problem && typeof problem.title === 'string') parts.push(problem.title);
  if (problem && typeof problem.detail === 'string' && problem.detail) parts.push(problem.detail);
  let message = parts.join(': ');
  if (problem && Array.isArray(problem.errors)) {
    for (const e of problem.errors.slice(0, 10) as { path?: unknown; message?: unknown }[]) {
      if (typeof e?.message === 'string')
        message += `\n  - ${typeof e.path === 'string' ? `${e.path}: ` : ''}${e.message}`;
    }
  }
  if (!problem && status >= 500) message += ': the server failed; try again later';
  return message;
}
