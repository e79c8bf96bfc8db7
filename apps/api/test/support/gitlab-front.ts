/**
 * An HTTP front for the GitLab simulator in sync tests. It forwards every request to the simulator, and answers
 * itself the few GitLab routes the simulator does not have yet, from the simulator's own records:
 * `GET /groups/:id/projects` (a simulated group has no subgroups) and `GET /projects/:id/protected_branches` /
 * `protected_tags` (the simulator keeps one list of protected ref patterns per project), paginated the way GitLab
 * does (`page`, `per_page`, `X-Next-Page`). It can also hold requests until a test releases them.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GitlabSimulator } from '@paddock/gitlab-sim';

type Answer = { status: number; headers: Record<string, string>; body: string };

export class GitlabFront {
  /** requests the front answered itself, per `METHOD /pattern` */
  readonly counts: Record<string, number> = {};
  private server: Server | undefined;
  private holding: ((method: string, path: string) => boolean) | undefined;
  private held: Array<() => void> = [];
  private heldListeners: Array<() => void> = [];

  constructor(private readonly sim: GitlabSimulator) {}

  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req).then(
        (answer) => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.release();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Holds matching requests (path below /api/v4) until `release()`. */
  hold(match: (method: string, path: string) => boolean): void {
    this.holding = match;
  }

  /** Resolves once a request is being held. */
  async someoneHeld(): Promise<void> {
    if (this.held.length > 0) return;
    await new Promise<void>((resolve) => this.heldListeners.push(resolve));
  }

  release(): void {
    this.holding = undefined;
    for (const go of this.held.splice(0)) go();
  }

  private async handle(req: IncomingMessage): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://front.invalid');
    const path = url.pathname.replace(/^\/api\/v4/, '');
    const method = req.method ?? 'GET';
    if (this.holding?.(method, path)) {
      await new Promise<void>((resolve) => {
        this.held.push(resolve);
        for (const tell of this.heldListeners.splice(0)) tell();
      });
    }
    const own = method === 'GET' ? this.answer(path, url.searchParams) : undefined;
    return own ?? this.forward(req);
  }

  private answer(path: string, query: URLSearchParams): Answer | undefined {
    const { store } = this.sim;
    let m = /^\/groups\/(\d+)\/projects$/.exec(path);
    if (m) {
      this.count('GET /groups/:id/projects');
      const group = store.groups.get(Number(m[1]));
      if (!group) return { status: 404, headers: json, body: '{"message":"404 Group Not Found"}' };
      const projects = [...store.projects.values()]
        .filter((p) => p.groupId === group.id)
        .map((p) => ({
          id: p.id,
          name: p.name,
          path: p.path,
          path_with_namespace: `${group.path}/${p.path}`,
        }));
      return page(projects, query);
    }
    m = /^\/projects\/(\d+)\/protected_(branches|tags)$/.exec(path);
    if (m) {
      this.count(`GET /projects/:id/protected_${m[2]}`);
      const project = store.project(Number(m[1]));
      if (!project) return { status: 404, headers: json, body: '{"message":"404 Project Not Found"}' };
      return page(
        project.protectedRefs.map((name) => ({ name })),
        query,
      );
    }
    return undefined;
  }

  private count(route: string) {
    this.counts[route] = (this.counts[route] ?? 0) + 1;
  }

  private async forward(req: IncomingMessage): Promise<Answer> {
    const body = await read(req);
    const target = new URL(req.url ?? '/', this.sim.url);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        target,
        // The front's Host goes along, so the simulator's web_url fields point at the address Paddock uses.
        { method: req.method, headers: req.headers },
        (res) => {
          void read(res).then((text) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection') headers[k] = String(v);
            }
            resolve({ status: res.statusCode ?? 502, headers, body: text });
          }, reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

const json = { 'content-type': 'application/json' };

function page<T>(all: T[], query: URLSearchParams): Answer {
  const perPage = Math.min(Number(query.get('per_page') ?? 20) || 20, 100);
  const current = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const items = all.slice((current - 1) * perPage, current * perPage);
  const hasNext = current * perPage < all.length;
  return {
    status: 200,
    headers: {
      ...json,
      'x-page': String(current),
      'x-per-page': String(perPage),
      'x-next-page': hasNext ? String(current + 1) : '',
      'x-total': String(all.length),
    },
    body: JSON.stringify(items),
  };
}

function read(stream: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}
