/**
 * The V8 inspector of another process, over its websocket (`node --inspect=127.0.0.1:0`, which prints
 * `Debugger listening on ws://…`): enough of the protocol to sample its CPU over a chosen window.
 */
import type { CpuProfile } from './cpuprofile.js';
import { WebSocket, type WsSocket } from './ws-client.js';

export interface InspectorClient {
  /** starts sampling every `intervalUs` microseconds */
  startProfile(intervalUs?: number): Promise<void>;
  stopProfile(): Promise<CpuProfile>;
  close(): void;
}

/** The inspector URL a process printed, or null. */
export function inspectorUrl(output: string): string | null {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] ?? null;
}

export async function connectInspector(url: string): Promise<InspectorClient> {
  // A profile of a busy minute is tens of megabytes in one message.
  const socket: WsSocket = new WebSocket(url, { maxPayload: 1024 * 2 ** 20 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.on('message', (data) => {
    const m = JSON.parse(data.toString('utf8')) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    if (m.id === undefined) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(`inspector: ${m.error.message}`));
    else w?.resolve(m.result);
  });
  const post = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    async startProfile(intervalUs = 500) {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: intervalUs });
      await post('Profiler.start');
    },
    async stopProfile() {
      return (await post<{ profile: CpuProfile }>('Profiler.stop')).profile;
    },
    close: () => socket.close(),
  };
}
