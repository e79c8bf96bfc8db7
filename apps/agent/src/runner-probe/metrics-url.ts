/**
 * Where gitlab-runner serves its metrics, derived from config.toml's `listen_address` the way gitlab-runner reads
 * it (commands/multi.go): empty disables the server, a host without a port gets :9252. A wildcard host is
 * reached on loopback.
 */

export const DEFAULT_METRICS_PORT = 9252;
export const DEFAULT_METRICS_URL = `http://127.0.0.1:${DEFAULT_METRICS_PORT}/metrics`;

export type MetricsTarget = { url: string } | { url: null; reason: string };

/** `listenAddress` undefined = the key is absent from config.toml. */
export function metricsTargetFromListenAddress(listenAddress: string | undefined): MetricsTarget {
  // gitlab-runner may still get --listen-address on its command line; its usual port is the best guess.
  if (listenAddress === undefined) return { url: DEFAULT_METRICS_URL };
  const address = listenAddress.trim();
  if (address === '')
    return { url: null, reason: 'metrics are disabled: listen_address is empty in config.toml' };

  let host: string;
  let port: string;
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(address);
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2] ?? '';
  } else {
    const parts = address.split(':');
    if (parts.length > 2) return { url: null, reason: `cannot read listen_address "${address}"` };
    host = parts[0] ?? '';
    port = parts[1] ?? '';
  }
  if (port === '') port = String(DEFAULT_METRICS_PORT);
  if (!/^\d+$/.test(port) || Number(port) > 65535) {
    return { url: null, reason: `cannot read the port of listen_address "${address}"` };
  }
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  try {
    return { url: new URL(`http://${hostPart}:${port}/metrics`).toString() };
  } catch {
    return { url: null, reason: `cannot read listen_address "${address}"` };
  }
}
