/**
 * The agent's one websocket to Paddock. It owns the transport and its lifecycle only: connect with the
 * credential, say `hello`, wait for `welcome`, send `status` every heartbeat, hand `apply` to the handlers and
 * send their answer, reconnect with backoff. What the messages contain is the handlers' business.
 *
 * Close codes decide how to retry: a revoked or rejected credential (4001, HTTP 401/403) needs the operator, so
 * it is said loudly and retried at the cap; a protocol version mismatch (4002) is retried slowly, since an
 * upgrade of either side fixes it; anything else (4003 replaced, 1001 API restarting, a dropped network) backs
 * off with full jitter.
 */
import WebSocket from 'ws';
import {
  CLOSE,
  encodeMessage,
  isCompatible,
  MAX_FRAME_BYTES,
  parseServerMessage,
  type AgentMessage,
  type Apply,
  type Hello,
  type Status,
  type Welcome,
} from '@paddock/protocol';
import type { Logger } from '../log/logger.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';

/** Sends a message now; false when there is no open connection (messages are never queued). */
export type Sender = (message: AgentMessage) => boolean;

/** What the connection asks of the rest of the agent. */
export interface SessionHandlers {
  hello(): Promise<Hello>;
  status(): Promise<Status>;
  /** the answer to send (`applied`/`failed`), or null to send nothing */
  apply(message: Apply): Promise<AgentMessage | null>;
  /** the API welcomed us: `send` works until `disconnected` */
  connected(welcome: Welcome, send: Sender): void;
  disconnected(): void;
}

export interface AgentConnectionOptions {
  /** ws:// or wss:// URL of the agent endpoint */
  url: string;
  credential: string;
  handlers: SessionHandlers;
  logger: Logger;
  backoff?: BackoffOptions;
  random?: () => number;
  /** a connection welcomed and up this long resets the backoff */
  stableAfterMs?: number;
  /** delay between attempts while the API refuses our protocol version */
  versionMismatchRetryMs?: number;
  /** how long to wait for the upgrade, then for `welcome` */
  handshakeTimeoutMs?: number;
  welcomeTimeoutMs?: number;
}

export interface AgentConnection {
  start(): void;
  /** Closes the socket with 1000 and stops every timer; resolves once closed. */
  stop(): Promise<void>;
}

const NORMAL_CLOSURE = 1000;

export function createAgentConnection(options: AgentConnectionOptions): AgentConnection {
  const { url, credential, handlers, logger } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  const versionMismatchRetryMs = options.versionMismatchRetryMs ?? 5 * 60_000;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 15_000;
  const welcomeTimeoutMs = options.welcomeTimeoutMs ?? 30_000;

  let stopping = false;
  let socket: WebSocket | null = null;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let droppedFrames = 0;

  function connect() {
    if (stopping) return;
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${credential}` },
      handshakeTimeout: handshakeTimeoutMs,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
    });
    socket = ws;

    let openedAt: number | null = null;
    let welcomed = false;
    let httpStatus: number | null = null;
    let lastSeen = Date.now();
    let heartbeat: NodeJS.Timeout | undefined;
    let welcomeTimer: NodeJS.Timeout | undefined;
    let statusInFlight = false;
    let lastError: string | null = null;

    const send: Sender = (message) => {
      if (ws.readyState !== WebSocket.OPEN || socket !== ws) return false;
      let frame: string;
      try {
        frame = encodeMessage(message);
      } catch (err) {
        logger.error('not sending a message that does not match the protocol', {
          type: message.type,
          error: err,
        });
        return false;
      }
      ws.send(frame);
      return true;
    };

    const sendStatus = async () => {
      if (statusInFlight) return;
      statusInFlight = true;
      try {
        send(await handlers.status());
      } catch (err) {
        logger.warn('cannot build status', { error: err });
      } finally {
        statusInFlight = false;
      }
    };

    const onWelcome = (welcome: Welcome) => {
      if (welcomed) return;
      welcomed = true;
      clearTimeout(welcomeTimer);
      if (!isCompatible(welcome.protocolVersion)) {
        logger.warn('the API speaks another protocol version', {
          apiProtocolVersion: welcome.protocolVersion,
        });
      }
      logger.info('welcomed by Paddock', {
        machineId: welcome.machineId,
        heartbeatIntervalMs: welcome.heartbeatIntervalMs,
      });
      handlers.connected(welcome, send);
      const interval = welcome.heartbeatIntervalMs;
      heartbeat = setInterval(() => {
        // The API pings too, and answers ours; three silent intervals mean the path is dead.
        if (Date.now() - lastSeen > 3 * interval) {
          logger.warn('no sign of Paddock for three heartbeats; reconnecting', {
            heartbeatIntervalMs: interval,
          });
          ws.terminate();
          return;
        }
        ws.ping();
        void sendStatus();
      }, interval);
      void sendStatus();
    };

    ws.on('unexpected-response', (_req, res) => {
      httpStatus = res.statusCode ?? null;
      res.resume();
      ws.terminate();
    });

    ws.on('open', () => {
      openedAt = Date.now();
      lastSeen = openedAt;
      logger.info('connected to Paddock', { url });
      welcomeTimer = setTimeout(() => {
        logger.warn('no welcome from Paddock; reconnecting', { waitedMs: welcomeTimeoutMs });
        ws.terminate();
      }, welcomeTimeoutMs);
      handlers.hello().then(
        (hello) => {
          if (!send(hello)) logger.debug('connection closed before hello was sent');
        },
        (err: unknown) => {
          logger.error('cannot build hello; reconnecting', { error: err });
          ws.terminate();
        },
      );
    });

    ws.on('message', (data) => {
      lastSeen = Date.now();
      const parsed = parseServerMessage(data as Buffer | ArrayBuffer | Buffer[]);
      if (!parsed.ok) {
        droppedFrames++;
        logger.warn('dropped a frame from Paddock', { reason: parsed.error, droppedFrames });
        return;
      }
      const message = parsed.message;
      if (message.type === 'welcome') {
        onWelcome(message);
        return;
      }
      handlers.apply(message).then(
        (answer) => {
          if (answer && !send(answer)) {
            logger.warn('connection closed before the answer could be sent; the next hello reports it', {
              type: answer.type,
              revision: message.revision,
            });
          }
        },
        (err: unknown) =>
          logger.error('apply failed unexpectedly', { revision: message.revision, error: err }),
      );
    });

    ws.on('ping', () => {
      lastSeen = Date.now();
    });
    ws.on('pong', () => {
      lastSeen = Date.now();
    });

    ws.on('error', (err) => {
      lastError = (err as NodeJS.ErrnoException).code ?? err.message;
    });

    ws.on('close', (code, reasonBuffer) => {
      clearInterval(heartbeat);
      clearTimeout(welcomeTimer);
      if (socket === ws) socket = null;
      if (welcomed) handlers.disconnected();
      const reason = reasonBuffer.toString('utf8');
      if (stopping) return;

      const upForMs = openedAt === null ? 0 : Date.now() - openedAt;
      if (welcomed && upForMs >= stableAfterMs) attempt = 0;

      let delayMs: number;
      if (code === CLOSE.revoked || httpStatus === 401 || httpStatus === 403) {
        logger.error(
          "Paddock rejected this machine's credential (revoked, or the machine was removed); enroll again: " +
            'paddock-agent enroll --force --server URL --token TOKEN',
          { code, httpStatus, reason },
        );
        delayMs = backoff.capMs;
      } else if (code === CLOSE.versionMismatch) {
        logger.error("Paddock refused this agent's protocol version; upgrade the agent (or the API)", {
          code,
          reason,
        });
        delayMs = versionMismatchRetryMs;
      } else {
        if (code === CLOSE.replaced) {
          logger.warn(
            'another connection for this machine replaced this one (two agents with one credential?)',
            {
              code,
            },
          );
        }
        delayMs = backoffDelay(attempt, backoff, random);
        attempt++;
      }
      logger.info('disconnected; reconnecting', {
        code,
        reason: reason || undefined,
        httpStatus: httpStatus ?? undefined,
        error: openedAt === null ? (lastError ?? undefined) : undefined,
        delayMs,
      });
      reconnectTimer = setTimeout(connect, delayMs);
    });
  }

  return {
    start() {
      if (socket || reconnectTimer) return;
      stopping = false;
      connect();
    },
    async stop() {
      stopping = true;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const ws = socket;
      if (!ws || ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => ws.terminate(), 2000);
        ws.once('close', () => {
          clearTimeout(force);
          resolve();
        });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(NORMAL_CLOSURE, 'agent stopping');
      });
    },
  };
}
