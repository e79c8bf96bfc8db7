/**
 * A bare HTTP client for the simulator (or any GitLab) that keeps what a conformance check needs: status, all
 * headers and the raw body. It adds nothing GitLab would not see: the token goes in `PRIVATE-TOKEN` unless the
 * caller sets headers itself, JSON bodies are sent as application/json.
 */

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = unknown>(): T;
}

export interface ApiRequestOptions {
  /** Sent as JSON, or as-is when a string or Buffer. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Replaces the client's token for this request; `null` sends none. */
  readonly token?: string | null;
}

export class GitlabApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  /** `path` is below /api/v4 and may carry a query string: `/runners/all?type=group_type`. */
  async request(method: string, path: string, options: ApiRequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.token : options.token;
    if (token) headers['PRIVATE-TOKEN'] = token;
    let body: string | Buffer | undefined;
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
      body = options.body;
    } else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(`${this.baseUrl}/api/v4${path}`, {
      method,
      headers: { ...headers, ...options.headers },
      ...(body !== undefined && { body }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: <T>() => JSON.parse(text) as T,
    };
  }

  get(path: string, options?: ApiRequestOptions): Promise<ApiResponse> {
    return this.request('GET', path, options);
  }

  post(path: string, body?: unknown, options?: ApiRequestOptions): Promise<ApiResponse> {
    return this.request('POST', path, { ...options, body });
  }

  put(path: string, body?: unknown, options?: ApiRequestOptions): Promise<ApiResponse> {
    return this.request('PUT', path, { ...options, body });
  }

  patch(path: string, body?: unknown, options?: ApiRequestOptions): Promise<ApiResponse> {
    return this.request('PATCH', path, { ...options, body });
  }

  delete(path: string, body?: unknown, options?: ApiRequestOptions): Promise<ApiResponse> {
    return this.request('DELETE', path, { ...options, body });
  }
}
