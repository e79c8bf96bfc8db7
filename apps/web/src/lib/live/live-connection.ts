/**
 * The browser's one connection to the API's `/live` websocket (protocol in `@paddock/contracts` `live.ts`).
 *
 * - Topics are reference-counted: each `subscribe(topic)` returns its own `unsubscribe()`, and the server hears about
 *   a topic only when the first subscriber arrives and the last one leaves.
 * - After a drop it reconnects with exponential backoff and full jitter (capped at 30 s) and subscribes to every
 *   current topic again; the server answers each subscription with the current state, which repairs the gap.
 * - Every frame is parsed with `LiveServerMessage`; what does not parse is dropped and logged.
 * - A subscriber may pass `onMessage` to hear only its topic's messages, and `offset` (for `trace:` topics) to say
 *   how much of the log it holds; every subscribe message then carries the smallest offset of the topic's
 *   subscribers, so a reconnect resumes where each one stopped and duplicates are theirs to skip.
 *
 * The socket is a doorbell: REST stays the source of truth, so pages fall back to polling while this is not `live`.
 */
import { LiveServerMessage, LiveTopic } from '@paddock/contracts';
import type { LiveClientMessage } from '@paddock/contracts';

export type LiveState =
  | { status: 'connecting' }
  | { status: 'live' }
  /** `since`: when the connection was lost (or the first attempt failed), in epoch milliseconds. */
  | { status: 'offline'; since: number };

/** The part of the DOM `WebSocket` this module uses, so tests can pass a fake class. */
export interface LiveSocket {
  readonly readyState: number;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type LiveSocketConstructor = new (url: string) => LiveSocket;

export interface LiveConnectionOptions {
  /** `ws(s)://host/live`; see `liveUrl`. */
  url: string;
  /** Defaults to the browser's `WebSocket`. */
  WebSocket?: LiveSocketConstructor;
  /** The first retry waits up to this long; each failure doubles it. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Source of jitter, in [0, 1). */
  random?: () => number;
  now?: () => number;
}

const OPEN = 1;
const NORMAL_CLOSURE = 1000;
export const LIVE_BASE_DELAY_MS = 500;
export const LIVE_MAX_DELAY_MS = 30_000;

/** `ws://` beside `http://`, `wss://` beside `https://`, on the host that served the page. */
export function liveUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/live`;
}

/**
 * Full jitter: anywhere between 0 and the capped exponential delay, so a restarted API is not hit by every browser
 * at the same instant.
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  baseDelayMs = LIVE_BASE_DELAY_MS,
  maxDelayMs = LIVE_MAX_DELAY_MS,
): number {
  // The exponent is bounded only to keep the number finite; the cap applies long before.
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

type Listener<T> = (value: T) => void;

export interface SubscribeOptions {
  /** Messages of this topic only (see `messageTopics`). */
  onMessage?: Listener<LiveServerMessage>;
  /** `trace:` topics: the bytes of the log this subscriber already holds, read whenever a subscribe is sent. */
  offset?: () => number;
}

/** The topics a server message belongs to: what `SubscribeOptions.onMessage` listeners are matched on. */
export function messageTopics(message: LiveServerMessage): LiveTopic[] {
  switch (message.type) {
    case 'machine':
      return ['machines', `machine:${message.machine.id}`];
    case 'rollout':
      return [`rollout:${message.rollout.rolloutId}`];
    case 'registration':
      return [`registration:${message.registration.registrationId}`];
    case 'trace':
    case 'traceEnd':
    case 'traceError':
      return [`trace:${message.jobId}`];
    default:
      return [];
  }
}

export class LiveConnection {
  readonly #options: LiveConnectionOptions;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #topics = new Map<LiveTopic, Set<SubscribeOptions>>();
  readonly #messageListeners = new Set<Listener<LiveServerMessage>>();
  readonly #stateListeners = new Set<Listener<LiveState>>();
  #state: LiveState = { status: 'connecting' };
  #socket: LiveSocket | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #running = false;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** The current state; the same object until it changes (what `useSyncExternalStore` needs). */
  getState = (): LiveState => this.#state;

  /** Calls `listener` on every state change; returns the function that stops it. */
  onStateChange = (listener: Listener<LiveState>): (() => void) => {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  };

  /** Calls `listener` with every valid message from the server. */
  onMessage(listener: Listener<LiveServerMessage>): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  /** The topics someone is subscribed to, each once. */
  get topics(): LiveTopic[] {
    return [...this.#topics.keys()];
  }

  /**
   * Asks for `topic` until the returned function is called. Several subscribers share one server subscription.
   * A topic the protocol would reject (e.g. a machine id that is not a UUID) is ignored.
   */
  subscribe(topic: LiveTopic, options: SubscribeOptions = {}): () => void {
    if (!LiveTopic.safeParse(topic).success) return () => {};
    // Each call gets its own entry, so the same options object passed twice still counts twice.
    const subscriber: SubscribeOptions = { ...options };
    const subscribers = this.#topics.get(topic) ?? new Set<SubscribeOptions>();
    this.#topics.set(topic, subscribers);
    subscribers.add(subscriber);
    // A newcomer holding an offset needs what precedes it too, so the server hears about it even when the topic
    // is already subscribed.
    if (subscribers.size === 1 || subscriber.offset) this.#send(this.#subscribeMessage(topic));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      subscribers.delete(subscriber);
      if (subscribers.size > 0) return;
      this.#topics.delete(topic);
      this.#send({ type: 'unsubscribe', topic });
    };
  }

  /**
   * Subscribes again to a topic already subscribed to, with the current offsets: for a subscriber that noticed a
   * gap (a piece beyond what it holds) and wants the server to send from where it really is.
   */
  resubscribe(topic: LiveTopic): void {
    if (this.#topics.has(topic)) this.#send(this.#subscribeMessage(topic));
  }

  #subscribeMessage(topic: LiveTopic): LiveClientMessage {
    const offsets = [...(this.#topics.get(topic) ?? [])].flatMap((s) => (s.offset ? [s.offset()] : []));
    return offsets.length > 0
      ? { type: 'subscribe', topic, offset: Math.min(...offsets) }
      : { type: 'subscribe', topic };
  }

  /** Opens the socket; safe to call again after `stop()` (React runs effects twice in development). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#attempt = 0;
    this.#setState({ status: 'connecting' });
    this.#connect();
  }

  /** Closes the socket and stops reconnecting. Subscriptions are kept for the next `start()`. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(NORMAL_CLOSURE, 'page closed');
  }

  #connect(): void {
    const Socket = this.#options.WebSocket ?? WebSocket;
    let socket: LiveSocket;
    try {
      socket = new Socket(this.#options.url);
    } catch (err) {
      // A malformed URL or a blocked scheme throws instead of failing asynchronously; treat it as a failed attempt.
      console.warn('live: could not open the socket', err);
      this.#lost();
      return;
    }
    this.#socket = socket;
    // Events from a socket this connection has already let go of (stopped or replaced) are ignored.
    const current = () => this.#socket === socket;
    socket.onmessage = (event) => {
      if (current()) this.#receive(event.data);
    };
    // A failed handshake also ends in `close` (after `error`), so this one handler covers both.
    socket.onclose = () => {
      if (current()) this.#lost();
    };
  }

  #receive(data: unknown): void {
    let message: LiveServerMessage;
    try {
      if (typeof data !== 'string') throw new Error('not a text frame');
      const parsed = LiveServerMessage.safeParse(JSON.parse(data));
      if (!parsed.success) throw parsed.error;
      message = parsed.data;
    } catch (err) {
      console.warn('live: dropped an invalid frame', err);
      return;
    }
    if (message.type === 'ready') {
      // The server listens for subscriptions once it says `ready`; send everything asked for meanwhile.
      this.#attempt = 0;
      this.#setState({ status: 'live' });
      for (const topic of this.#topics.keys()) this.#send(this.#subscribeMessage(topic));
    } else if (message.type === 'error') {
      console.warn('live: the server rejected a message:', message.message);
    }
    for (const listener of this.#messageListeners) listener(message);
    for (const topic of messageTopics(message)) {
      // A copy: a listener may unsubscribe (its own or another entry) while being called.
      for (const subscriber of [...(this.#topics.get(topic) ?? [])]) subscriber.onMessage?.(message);
    }
  }

  #lost(): void {
    this.#socket = null;
    if (this.#state.status !== 'offline') this.#setState({ status: 'offline', since: this.#now() });
    if (!this.#running) return;
    const delay = backoffDelay(
      this.#attempt,
      this.#random,
      this.#options.baseDelayMs,
      this.#options.maxDelayMs,
    );
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#running) this.#connect();
    }, delay);
  }

  #send(message: LiveClientMessage): void {
    // Before `ready` nothing is sent: the `ready` handler subscribes to every current topic at once.
    if (this.#state.status !== 'live' || this.#socket?.readyState !== OPEN) return;
    this.#socket.send(JSON.stringify(message));
  }

  #setState(state: LiveState): void {
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }
}
