/**
 * gitlab-runner's metrics listener (commands/multi.go `listenAddress`, `setupMetricsAndDebugServer`,
 * `serveMetrics`): the address comes from `--listen-address` or `listen_address`; a host without a port gets
 * :9252; empty means no server. `/metrics` answers GET and HEAD only (405 otherwise). The debug, pprof and
 * `/health/ready` endpoints of the same mux are not simulated (404).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';

export const DEFAULT_METRICS_PORT = 9252;

/**
 * `fatal`: gitlab-runner would try to listen and die (a `host:` with an empty port becomes `host::9252`); otherwise
 * it logs the error and runs without metrics.
 */
export type ListenAddress =
  { ok: true; host: string; port: number } | { ok: false; error: string; fatal: boolean };

/** Go's net.SplitHostPort, reduced to what matters here; `port` is undefined when the address has none. */
function splitHostPort(address: string): { host: string; port?: string } | { error: string } {
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) return { error: `address ${address}: missing ']' in address` };
    const host = address.slice(1, close);
    const rest = address.slice(close + 1);
    if (rest === '') return { host };
    if (!rest.startsWith(':') || rest.includes(':', 1))
      return { error: `address ${address}: unexpected text` };
    return { host, port: rest.slice(1) };
  }
  const colons = address.split(':').length - 1;
  if (colons === 0) return { host: address };
  if (colons > 1) return { error: `address ${address}: too many colons in address` };
  const i = address.indexOf(':');
  return { host: address.slice(0, i), port: address.slice(i + 1) };
}

/** Where to listen: null when disabled (empty address). */
export function resolveListenAddress(address: string): ListenAddress | null {
  if (address === '') return null;
  const split = splitHostPort(address);
  if ('error' in split) return { ok: false, error: split.error, fatal: false };
  const portText = split.port ?? String(DEFAULT_METRICS_PORT);
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    return { ok: false, error: `address ${address}: invalid port ${JSON.stringify(portText)}`, fatal: true };
  }
  return { ok: true, host: split.host, port: Number(portText) };
}

export interface MetricsServer {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** Binds the listener; rejects when it cannot (gitlab-runner dies with "Failed to create listener"). */
export async function startMetricsServer(
  where: { host: string; port: number },
  render: () => string,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return;
    }
    const body = render();
    res.writeHead(200, {
      'content-type': EXPOSITION_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Go listens on every interface for an empty host.
    server.listen({ port: where.port, ...(where.host !== '' && { host: where.host }) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Scrapers keep connections alive; do not let them hold the simulator open.
        server.closeAllConnections();
      }),
  };
}
