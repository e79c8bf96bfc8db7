/**
 * Paddock's base URL as the operator gives it (`--server`), and the two addresses derived from it: the REST
 * enrollment endpoint and the agent websocket. A base path (Paddock behind a proxy under `/paddock`) is kept.
 */

export class ServerUrlError extends Error {
  override name = 'ServerUrlError';
}

/** Validates and normalises a server URL: http(s), no credentials, query or fragment, no trailing slash. */
export function normalizeServerUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ServerUrlError(`not a URL: "${input}" (expected e.g. https://paddock.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ServerUrlError(`the server URL must start with http:// or https://, got "${url.protocol}"`);
  }
  if (url.username || url.password) throw new ServerUrlError('the server URL must not contain credentials');
  if (url.search || url.hash) throw new ServerUrlError('the server URL must not have a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `POST` here to enroll. */
export function enrollUrl(server: string): string {
  return `${normalizeServerUrl(server)}/api/v1/agent/enroll`;
}

/** The websocket URL for `agentPath` (from the enrollment answer): http→ws, https→wss. */
export function agentSocketUrl(server: string, agentPath = '/agent'): string {
  const base = normalizeServerUrl(server);
  return `${base.replace(/^http/, 'ws')}${agentPath}`;
}
