/**
 * A small router for the simulator's `/api/v4` routes: `METHOD /path/:param` patterns matched in the order they
 * were added (so `/runners/all` is added before `/runners/:id`, as GitLab declares it). Handlers get a parsed
 * request and return a reply; they throw ApiError for GitLab's error responses.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ParamInput } from './params.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SimRequest {
  readonly method: HttpMethod;
  /** The path below `/api/v4`, e.g. `/runners/7`. */
  readonly path: string;
  /** `:name` segments of the matched pattern. */
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Query string and body parameters merged (body wins), as Grape's `params`; path params are not included. */
  readonly params: ParamInput;
  readonly rawBody: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string;
  /** `http://host:port` as the client addressed the simulator; the base of pagination links and web URLs. */
  readonly baseUrl: string;
}

export interface SimReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised as JSON. */
  readonly json?: unknown;
  /** Sent as text/plain. */
  readonly text?: string;
}

export type RouteHandler = (request: SimRequest) => SimReply | Promise<SimReply>;

export interface Route {
  readonly method: HttpMethod;
  readonly pattern: string;
  readonly handler: RouteHandler;
  /** `METHOD pattern`, the name requests are counted under. */
  readonly key: string;
}

export interface RouteMatch {
  readonly route: Route;
  readonly pathParams: Record<string, string>;
}

export class Router {
  private readonly routes: Array<Route & { readonly segments: readonly string[] }> = [];

  add(method: HttpMethod, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern, handler, key: `${method} ${pattern}`, segments: split(pattern) });
    return this;
  }

  match(method: string, path: string): RouteMatch | undefined {
    const segments = split(path);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const pathParams: Record<string, string> = {};
      const matched = route.segments.every((expected, i) => {
        const actual = segments[i] as string;
        if (expected.startsWith(':')) {
          pathParams[expected.slice(1)] = actual;
          return true;
        }
        return expected === actual;
      });
      if (matched) return { route, pathParams };
    }
    return undefined;
  }
}

function split(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}
