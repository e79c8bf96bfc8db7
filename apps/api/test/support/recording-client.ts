/**
 * A client for a running Paddock that keeps everything it is told: every answer (status, headers, body) and every
 * frame of the `/live` sockets it opens, so a test can search all of it afterwards. An answer whose purpose is to
 * show a secret once (a new token, a login's cookie and CSRF token) is kept apart with the reason it may, and is
 * left out of `searchable()`.
 */
import WebSocket from 'ws';

/** How a request authenticates: an API or display token, a browser session, or nothing. */
export type Credentials = { bearer: string } | { session: string; csrf: string } | { display: string } | null;

export interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  /** every header, one `name: value` per line */
  headers: string;
  body: string;
  /** why this answer may show a secret; null for every other answer */
  shownOnce: string | null;
}

export interface RequestOptions {
  body?: unknown;
  /** sent as it is, with `Content-Type: application/json`, instead of `body` */
  raw?: string;
  /** default: the client's `auth` */
  auth?: Credentials;
  headers?: Record<string, string>;
  /** this answer exists to show a secret once: the reason, listed with the answer */
  shownOnce?: string;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface LiveSocket {
  readonly frames: string[];
  subscribe(topic: string): void;
  /** resolves with the first frame (parsed) matching `ok` among those received so far or later */
  waitFor(what: string, ok: (m: Record<string, unknown>) => boolean, ms?: number): Promise<unknown>;
  close(): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export class RecordingClient {
  readonly responses: RecordedResponse[] = [];
  readonly sockets: Array<{ label: string; frames: string[] }> = [];
  /** credentials sent when a request names none */
  auth: Credentials = null;

  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
    const auth = opts.auth === undefined ? this.auth : opts.auth;
    let url = `${this.baseUrl}${path}`;
    if (auth && 'bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
    if (auth && 'session' in auth) {
      headers.cookie = `paddock_session=${auth.session}`;
      if (method !== 'GET') headers['x-csrf-token'] = auth.csrf;
    }
    if (auth && 'display' in auth)
      url += `${path.includes('?') ? '&' : '?'}display=${encodeURIComponent(auth.display)}`;
    const res = await fetch(url, {
      method,
      headers,
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await res.text();
    this.responses.push({
      method,
      path,
      status: res.status,
      headers: [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n'),
      body: text,
      shownOnce: opts.shownOnce ?? null,
    });
    return { status: res.status, headers: res.headers, text, body: parseJson(text) };
  }

  get = (path: string, opts?: RequestOptions) => this.request('GET', path, opts);
  post = (path: string, body?: unknown, opts?: RequestOptions) =>
    this.request('POST', path, { ...opts, body: body ?? opts?.body });
  patch = (path: string, body: unknown, opts?: RequestOptions) =>
    this.request('PATCH', path, { ...opts, body });
  delete = (path: string, opts?: RequestOptions) => this.request('DELETE', path, opts);

  /** Opens `/live` with `auth` and records every frame it receives. */
  async live(label: string, auth: Credentials): Promise<LiveSocket> {
    const wsBase = this.baseUrl.replace(/^http/, 'ws');
    const headers: Record<string, string> = {};
    let url = `${wsBase}/live`;
    if (auth && 'bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
    if (auth && 'session' in auth) headers.cookie = `paddock_session=${auth.session}`;
    if (auth && 'display' in auth) url += `?display=${encodeURIComponent(auth.display)}`;
    const socket = new WebSocket(url, { headers });
    const frames: string[] = [];
    this.sockets.push({ label, frames });
    const waiters = new Set<() => void>();
    socket.on('message', (raw) => {
      frames.push(String(raw));
      for (const w of waiters) w();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return {
      frames,
      subscribe: (topic) => socket.send(JSON.stringify({ type: 'subscribe', topic })),
      waitFor: (what, ok, ms = 30_000) =>
        new Promise((resolve, reject) => {
          const check = () => {
            for (const f of frames) {
              const m = JSON.parse(f) as Record<string, unknown>;
              if (ok(m)) {
                waiters.delete(check);
                clearTimeout(timer);
                resolve(m);
                return;
              }
            }
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`timed out waiting for ${what} on /live (${label}): ${frames.join('\n')}`));
          }, ms);
          waiters.add(check);
          check();
        }),
      close: () =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close();
        }),
    };
  }

  /** Everything recorded that no secret may appear in, by where it came from. */
  searchable(): Record<string, string> {
    const out: Record<string, string> = {};
    this.responses.forEach((r, i) => {
      if (r.shownOnce === null)
        out[`response #${i} ${r.method} ${r.path} (${r.status})`] = `${r.headers}\n\n${r.body}`;
    });
    for (const s of this.sockets) out[`/live frames (${s.label})`] = s.frames.join('\n');
    return out;
  }

  /** The answers left out of `searchable()`, with their reasons. */
  shownOnce(): RecordedResponse[] {
    return this.responses.filter((r) => r.shownOnce !== null);
  }
}
