/**
 * An HTTP proxy in front of the GitLab simulator for tests of the runner simulator: it records every request (with
 * its headers and body), counts requests in flight per runner token, can hold job requests open (a long poll that
 * ends when the test says so), and can lose the reply of a request after GitLab has handled it.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  /** Below /api/v4, without the query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The JSON body's `token`, for runner API calls. */
  readonly token?: string;
  status?: number;
}

interface Counts {
  inFlight: number;
  peak: number;
}

export class GitlabProxy {
  readonly requests: ProxiedRequest[] = [];
  /** Hold `POST /jobs/request` until releaseJobRequests() (or until this is switched off again). */
  holdJobRequests = false;
  private readonly held = new Set<() => void>();
  private readonly loseReplies: Array<(r: ProxiedRequest) => boolean> = [];
  private readonly jobRequests = new Map<string, Counts>();
  private readonly listeners = new Set<() => void>();
  private server: Server | undefined;
  private totalInFlight = 0;
  peakTotalInFlight = 0;

  constructor(private readonly target: string) {}

  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.releaseJobRequests();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Job requests of this token in flight now, and the most at once. */
  jobRequestsOf(token: string): Readonly<Counts> {
    return this.jobRequests.get(token) ?? { inFlight: 0, peak: 0 };
  }

  /** Answers the next request that matches with 502 after GitLab has handled it: a reply lost on the way. */
  loseReplyOnce(match: (r: ProxiedRequest) => boolean): void {
    this.loseReplies.push(match);
  }

  releaseJobRequests(): void {
    for (const release of [...this.held]) release();
  }

  /** Resolves when `predicate` holds, checking after every request event (no polling). */
  until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error('condition not reached in time'));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  /** The recorded requests to one route (`PATCH`, `/jobs/7/trace`). */
  find(method: string, path: string | RegExp): ProxiedRequest[] {
    return this.requests.filter(
      (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let token: string | undefined;
    if (headers['content-type']?.startsWith('application/json')) {
      const parsed = JSON.parse(body.toString()) as { token?: unknown };
      if (typeof parsed.token === 'string') token = parsed.token;
    }
    const record: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(/^\/api\/v4/, ''),
      headers,
      body,
      ...(token !== undefined && { token }),
    };
    this.requests.push(record);
    const isJobRequest = record.method === 'POST' && record.path === '/jobs/request';
    const counts = isJobRequest ? this.countsOf(token ?? '') : undefined;
    if (counts) {
      counts.inFlight++;
      counts.peak = Math.max(counts.peak, counts.inFlight);
      this.totalInFlight++;
      this.peakTotalInFlight = Math.max(this.peakTotalInFlight, this.totalInFlight);
    }
    this.changed();
    try {
      if (isJobRequest && this.holdJobRequests) await this.hold(req);
      const reply = await this.forward(req.method ?? 'GET', url, headers, body);
      record.status = reply.status;
      const lose = this.loseReplies.findIndex((match) => match(record));
      if (lose >= 0) {
        this.loseReplies.splice(lose, 1);
        return { status: 502, headers: {}, body: Buffer.alloc(0) };
      }
      return reply;
    } finally {
      if (counts) {
        counts.inFlight--;
        this.totalInFlight--;
      }
      this.changed();
    }
  }

  private countsOf(token: string): Counts {
    let counts = this.jobRequests.get(token);
    if (!counts) {
      counts = { inFlight: 0, peak: 0 };
      this.jobRequests.set(token, counts);
    }
    return counts;
  }

  private hold(req: IncomingMessage): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        this.held.delete(release);
        resolve();
      };
      this.held.add(release);
      // A client that gives up (the simulator stopping) ends the hold too.
      req.socket.once('close', release);
    });
  }

  private forward(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const target = new URL(url.pathname + url.search, this.target);
    return new Promise((resolve, reject) => {
      const out = httpRequest(target, { method, headers: { ...headers, host: target.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const replyHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (typeof v === 'string' && k !== 'transfer-encoding' && k !== 'connection') replyHeaders[k] = v;
          }
          resolve({ status: res.statusCode ?? 502, headers: replyHeaders, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  }
}
