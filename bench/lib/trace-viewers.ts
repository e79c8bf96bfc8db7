/**
 * A worker process of the trace fan-out benchmark: many `/live` websocket viewers of one job's log, each
 * authenticated with an API token in the `Authorization` header (as a script would be), subscribed to
 * `trace:<jobId>`. For every benchmark line a viewer receives it keeps the moment its frame arrived, read from
 * the system-wide monotonic clock (`monotonicMs`), so the parent can compare it with the simulator's and the
 * appender's timestamps taken in another process.
 *
 * Lines are recognised by `seq=<n>`; the rest of the log (a preamble, ANSI colours) is only checked for order:
 * every piece must start where the previous one ended.
 */
import { WebSocket, type WsSocket } from './ws-client.js';

/** CLOCK_MONOTONIC in milliseconds: one clock for every process on the machine, unlike `performance.now()`. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/** What a benchmark line carries: its sequence number. */
export const LINE_SEQ = /seq=(\d+)/;

export type ViewerRequest =
  | {
      type: 'open';
      url: string;
      authorization: string;
      topic: string;
      count: number;
      /** sockets opening at once */
      concurrency: number;
    }
  | { type: 'collect' }
  | { type: 'close' };

export interface ViewerSamples {
  /** per viewer: [seq, received at (monotonic ms)] pairs, flattened */
  receipts: Float64Array[];
  /** pieces that did not start where the previous one ended, `traceError`/`error` messages, unexpected closes */
  errors: string[];
  bytes: number;
  frames: number;
}

export type ViewerReply =
  | { type: 'ready' }
  | { type: 'opened'; ms: number }
  | { type: 'samples'; samples: ViewerSamples }
  | { type: 'failed'; error: string };

interface Viewer {
  socket: WsSocket;
  size: number;
  /** text after the last newline, kept until its line is complete */
  partial: string;
  receipts: number[];
  subscribed: boolean;
}

const send = (m: ViewerReply) => process.send?.(m);
const viewers: Viewer[] = [];
const errors: string[] = [];
let bytes = 0;
let frames = 0;
let closing = false;

function onMessage(viewer: Viewer, raw: Buffer, onSubscribed: () => void) {
  const at = monotonicMs();
  frames++;
  bytes += raw.length;
  const m = JSON.parse(raw.toString('utf8')) as
    | { type: 'trace'; offset: number; data: string }
    | { type: 'subscribed' }
    | { type: 'traceError' | 'error'; message: string }
    | { type: string };
  if (m.type === 'subscribed' && !viewer.subscribed) {
    viewer.subscribed = true;
    onSubscribed();
  } else if (m.type === 'trace' && 'offset' in m) {
    if (m.offset !== viewer.size) errors.push(`piece at ${m.offset}, expected ${viewer.size}`);
    viewer.size = m.offset + Buffer.byteLength(m.data);
    const lines = (viewer.partial + m.data).split('\n');
    viewer.partial = lines.pop() ?? '';
    for (const line of lines) {
      const seq = LINE_SEQ.exec(line)?.[1];
      if (seq !== undefined) viewer.receipts.push(Number(seq), at);
    }
  } else if ((m.type === 'traceError' || m.type === 'error') && 'message' in m) {
    errors.push(`${m.type}: ${m.message}`);
  }
}

async function open(req: Extract<ViewerRequest, { type: 'open' }>): Promise<void> {
  const t0 = performance.now();
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(req.url, { headers: { authorization: req.authorization } });
      const viewer: Viewer = { socket, size: 0, partial: '', receipts: [], subscribed: false };
      viewers.push(viewer);
      socket.on('message', (data) => onMessage(viewer, data, resolve));
      socket.on('close', (code) => {
        if (!closing) errors.push(`socket closed by the server (${code})`);
      });
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'subscribe', topic: req.topic })));
    });
  await Promise.all(
    Array.from({ length: Math.min(req.concurrency, req.count) }, async () => {
      while (next < req.count) {
        next++;
        await one();
      }
    }),
  );
  send({ type: 'opened', ms: performance.now() - t0 });
}

process.on('message', (req: ViewerRequest) => {
  if (req.type === 'open') {
    open(req).catch((err: unknown) =>
      send({ type: 'failed', error: err instanceof Error ? err.message : String(err) }),
    );
  } else if (req.type === 'collect') {
    send({
      type: 'samples',
      samples: { receipts: viewers.map((v) => Float64Array.from(v.receipts)), errors, bytes, frames },
    });
  } else {
    closing = true;
    for (const v of viewers) v.socket.close();
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
