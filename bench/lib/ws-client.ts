/**
 * The `ws` websocket client for benchmark processes. The package comes with the API, which the benchmarks already
 * depend on, so it is loaded from there; only the part the benchmarks use is typed.
 */
import { createRequire } from 'node:module';

export interface WsSocket {
  on(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'close', fn: (code: number) => void): void;
  once(event: 'open', fn: () => void): void;
  once(event: 'error', fn: (err: Error) => void): void;
  send(data: string): void;
  close(): void;
}

export type WsSocketClass = new (
  url: string,
  options?: { headers?: Record<string, string>; maxPayload?: number },
) => WsSocket;

export const WebSocket = createRequire(new URL('../../apps/api/package.json', import.meta.url))(
  'ws',
) as WsSocketClass;
