/**
 * A fake `/live` server for tests: `fakeLiveSockets()` gives a WebSocket class to inject into `LiveConnection` (or
 * `App`), and every socket it made, so a test can accept, push frames and drop the connection at will.
 */
import { LiveClientMessage } from '@paddock/contracts';
import type { LiveSocket, LiveSocketConstructor } from './live-connection';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

export class FakeWebSocket implements LiveSocket {
  readyState = CONNECTING;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  /** What the client sent, checked against the protocol: a frame outside it fails the test here. */
  readonly sent: LiveClientMessage[] = [];

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error('send() on a socket that is not open');
    this.sent.push(LiveClientMessage.parse(JSON.parse(data)));
  }

  /** The client closing: like a browser, the close event follows later, not inside `close()`. */
  close(code = 1000): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    queueMicrotask(() => this.onclose?.(new CloseEvent('close', { code })));
  }

  /** The server accepts the upgrade and says `ready`, as the API does. */
  accept(): void {
    this.readyState = OPEN;
    this.receive({ type: 'ready' });
  }

  /** A frame from the server, sent as JSON whether or not it follows the protocol. */
  receive(message: unknown): void {
    this.receiveRaw(JSON.stringify(message));
  }

  receiveRaw(data: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }

  /** The connection breaks (server gone, proxy timeout, or a refused handshake before `accept`). */
  drop(code = 1006): void {
    this.readyState = CLOSED;
    this.onclose?.(new CloseEvent('close', { code }));
  }

  /** The topics this socket is subscribed to, replaying what the client sent on it. */
  get topics(): string[] {
    const topics = new Set<string>();
    for (const message of this.sent) {
      if (message.type === 'subscribe') topics.add(message.topic);
      else topics.delete(message.topic);
    }
    return [...topics];
  }
}

export interface FakeLiveSockets {
  WebSocket: LiveSocketConstructor;
  /** Every socket made, oldest first. */
  sockets: FakeWebSocket[];
  /** The newest socket; throws when none was made. */
  latest(): FakeWebSocket;
}

export function fakeLiveSockets(): FakeLiveSockets {
  const sockets: FakeWebSocket[] = [];
  class RecordedWebSocket extends FakeWebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return {
    WebSocket: RecordedWebSocket,
    sockets,
    latest() {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no live socket was opened');
      return socket;
    },
  };
}
