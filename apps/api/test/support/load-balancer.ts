/**
 * A load balancer for tests, standing in for the nginx in front of the API replicas in docker-compose.yml
 * (deploy/lb/nginx.conf) and behaving the same way in what matters to Paddock:
 * - plain HTTP requests go to the backends in turn (round-robin), each request on its own;
 * - websocket upgrades (`/agent`, `/live`) go to the backend with the fewest open sockets (nginx `least_conn`),
 *   then the bytes are tunnelled both ways until either side closes; a backend that dies closes its tunnels,
 *   so the clients notice at once and reconnect through the balancer;
 * - a backend that refuses a connection is marked down for `failTimeoutMs` (`max_fails=1 fail_timeout=…`) and
 *   the request or upgrade moves on to the next backend (`proxy_next_upstream error`). Request bodies are read
 *   whole first, so a refused request can be sent again;
 * - `X-Forwarded-For` gets the client's address appended, `X-Forwarded-Proto` and `X-Forwarded-Host` say what
 *   the client asked for.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface LoadBalancerOptions {
  /** base URLs of the backends, e.g. `http://127.0.0.1:41234` */
  backends: string[];
  /** how long a backend that refused a connection is skipped */
  failTimeoutMs?: number;
  now?: () => number;
}

export interface Tunnel {
  /** index of the backend in `backends` */
  backend: number;
  /** the upgraded request's path, e.g. `/agent` */
  path: string;
}

export interface LoadBalancer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** the websocket tunnels open now */
  tunnels(): Tunnel[];
  /** backends marked down now */
  down(): number[];
  /** stops listening and cuts every connection */
  close(): Promise<void>;
}

/** Headers that describe one connection, not the request: never forwarded as they are (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

interface Target {
  host: string;
  port: number;
  downUntil: number;
  openSockets: number;
}

/** Starts the balancer on a free loopback port. */
export async function startLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  const failTimeoutMs = options.failTimeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const targets: Target[] = options.backends.map((base) => {
    const url = new URL(base);
    return { host: url.hostname, port: Number(url.port), downUntil: 0, openSockets: 0 };
  });
  if (targets.length === 0) throw new Error('a load balancer needs at least one backend');

  let turn = 0;
  const tunnels = new Map<Socket, Tunnel & { upstream: Socket }>();
  const clients = new Set<Socket>();

  const isUp = (t: Target) => t.downUntil <= now();
  /** Every backend once: those up first (in `preferred` order), then those marked down, as a last resort. */
  const candidates = (preferred: number[]): number[] => [
    ...preferred.filter((i) => isUp(targets[i]!)),
    ...preferred.filter((i) => !isUp(targets[i]!)),
  ];
  const rotation = () => {
    const start = turn++ % targets.length;
    return targets.map((_, i) => (start + i) % targets.length);
  };
  // Ties go by the rotation, so sockets opened one after another alternate between equally busy backends.
  const fewestSocketsFirst = () =>
    rotation().sort((a, b) => targets[a]!.openSockets - targets[b]!.openSockets);
  const markDown = (index: number) => {
    targets[index]!.downUntil = now() + failTimeoutMs;
  };
  const refused = (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED';

  function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    }
    const client = req.socket.remoteAddress ?? '';
    const before = req.headers['x-forwarded-for'];
    out['x-forwarded-for'] = before ? `${String(before)}, ${client}` : client;
    out['x-forwarded-proto'] = 'http';
    if (req.headers.host) out['x-forwarded-host'] = req.headers.host;
    return out;
  }

  function badGateway(res: ServerResponse) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { 'content-type': 'text/plain' }).end('no backend answered\n');
  }

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, order: number[]) {
    const index = order.shift();
    if (index === undefined) {
      badGateway(res);
      return;
    }
    const target = targets[index]!;
    const headers = forwardedHeaders(req);
    if (body.length > 0 || req.headers['content-length'] !== undefined) {
      headers['content-length'] = String(body.length);
    }
    const upstream = http.request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
      // A connection of its own per request: a dead backend is found at connect, never on a pooled socket.
      agent: false,
    });
    upstream.on('response', (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      // Only a refused connection is retried: the request never reached that backend, so sending it to the next
      // one cannot do anything twice.
      if (refused(err)) {
        markDown(index);
        forward(req, res, body, order);
        return;
      }
      badGateway(res);
    });
    upstream.end(body);
  }

  function tunnel(req: IncomingMessage, client: Socket, head: Buffer, order: number[]) {
    const index = order.shift();
    if (index === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const target = targets[index]!;
    // Counted from the choice on, so upgrades arriving together still spread.
    target.openSockets++;
    const upstream = net.connect(target.port, target.host);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      const headers = forwardedHeaders(req);
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      // The upgrade's own Connection and Upgrade headers are what the backend must see; the rest as forwarded.
      for (const [name, value] of Object.entries(headers))
        for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
      lines.push('connection: Upgrade', `upgrade: ${req.headers.upgrade ?? 'websocket'}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      tunnels.set(client, { backend: index, path: new URL(req.url ?? '/', 'http://x').pathname, upstream });
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const closed = () => {
      if (tunnels.get(client)?.upstream === upstream) tunnels.delete(client);
      client.destroy();
      upstream.destroy();
    };
    upstream.once('close', () => {
      target.openSockets--;
      if (connected) closed();
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return; // 'close' follows and ends both sides
      if (refused(err)) markDown(index);
      upstream.destroy();
      if (refused(err) && !client.destroyed) tunnel(req, client, head, order);
      else client.destroy();
    });
    client.once('close', () => {
      if (connected) closed();
      else upstream.destroy();
    });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), candidates(rotation())));
    req.on('error', () => res.destroy());
  });
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    client.on('error', () => client.destroy());
    tunnel(req, client, head, candidates(fewestSocketsFirst()));
  });
  server.on('connection', (socket: Socket) => {
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    tunnels: () => [...tunnels.values()].map(({ backend, path }) => ({ backend, path })),
    down: () => targets.flatMap((t, i) => (isUp(t) ? [] : [i])),
    close: async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { upstream } of tunnels.values()) upstream.destroy();
      for (const socket of clients) socket.destroy();
      await stopped;
    },
  };
}
