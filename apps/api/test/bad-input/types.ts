/**
 * The shapes of the bad-input corpus: each case is data (what to send, what must come back), so the cases read as
 * a table and the runner in bad-input.test.ts stays one loop per kind.
 */
import type { Readable } from 'node:stream';

/**
 * The rows the corpus aims at. The ids are fixed before the file's tests are collected (the seed creates rows with
 * them), so every case can be its own test.
 */
export interface Seed {
  gitlabInstanceId: string;
  machineId: string;
  runnerId: string;
  /** a viewer account */
  userId: string;
  /** a browser session of the admin, for the CSRF and cookie cases */
  session: { cookie: string; csrf: string };
  /** the system_id the enrolled agent reports */
  agentSystemId: string;
  /** the system_id of another machine, which the agent must not claim */
  otherSystemId: string;
  /** a well-formed id that names nothing */
  unknownId: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  /** `authorization: null` sends no credentials at all */
  headers?: Record<string, string | null>;
  /** a JSON value, sent with content-type application/json */
  json?: unknown;
  /** raw bytes or text, sent exactly as given (set content-type in headers) */
  body?: string | Buffer | (() => Readable);
}

export interface HttpExpect {
  status: number;
  code: string;
  /** a field error whose path starts with this (`body.limit`, `query.cursor`) */
  path?: string;
}

export interface HttpCase {
  kind: 'http';
  name: string;
  request: HttpRequest;
  expect: HttpExpect;
}

/** One frame as the client sends it. */
export type Frame =
  | { text: string }
  | { binary: Buffer }
  /** a websocket ping (control frame) */
  | { ping: true };

/** What the server does with the frames of one websocket case. */
export type SocketExpect =
  /** every frame dropped and counted; the connection stays open (checked with a ping after them) */
  | { dropped: number }
  /** a report that parsed but was refused (another machine's runner, a revision Paddock never made) */
  | { refused: number }
  /** the server closes with this code, and a reason matching when given */
  | { close: number; reason?: RegExp }
  /** `/live` answers each frame with `{ type: 'error' }`, the message matching */
  | { errors: number; message: RegExp; then?: 'open' }
  /** `/live` answers `subscribed` this many times, then errors for the rest */
  | { subscribed: number; errors: number; message: RegExp };

export interface AgentCase {
  kind: 'agent';
  name: string;
  /** send after a valid hello (one shared connection) or on a fresh connection that never said hello */
  afterHello: boolean;
  frames: Frame[];
  expect: SocketExpect;
}

export interface LiveCase {
  kind: 'live';
  name: string;
  /** credentials of the socket: the admin's API token by default */
  as?: 'admin' | 'display';
  frames: Frame[];
  expect: SocketExpect;
}

/** A websocket upgrade that must be refused before it becomes a socket. */
export interface UpgradeCase {
  kind: 'upgrade';
  name: string;
  path: string;
  headers: Record<string, string>;
  /** send the admin's API token too */
  asAdmin?: boolean;
  expect: { status: number; code: string };
}

export type Case = HttpCase | AgentCase | LiveCase | UpgradeCase;
