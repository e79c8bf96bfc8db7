/**
 * Events between API replicas: Postgres LISTEN/NOTIFY on one channel, payloads carrying ids only (NOTIFY stops at
 * 8,000 bytes; receivers read the rest from the database). The embedded database has a single process by
 * construction, so it uses the in-process bus. A listener that lost its connection reconnects by itself and then
 * tells its receivers (`events.resumed`), since notifications sent while it was away are gone for good.
 */
import type { RegistrationProgress } from '@paddock/contracts';
import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

export const EVENT_CHANNEL = 'paddock_events';

export type BusEvent =
  /** these machines have a new desired revision (or must be reconciled) */
  | { topic: 'machines.reconcile'; machineIds: string[] }
  /** a rollout recorded new desired revisions: receivers read its machines from `config_revisions` */
  | { topic: 'rollout.created'; rolloutId: string }
  /** these machines' state changed (connection, applied/failed, drift): browsers watching them refresh */
  | { topic: 'machines.changed'; machineIds: string[] }
  /** heartbeats were stored on the replica that sends this (at most once a second): wall summaries refresh */
  | { topic: 'machines.status' }
  /** an agent credential was revoked: close its socket wherever it is */
  | { topic: 'credentials.revoked'; machineIds: string[] }
  /** these people's sessions ended (logout everywhere, disabled, password changed): close their live sockets */
  | { topic: 'sessions.revoked'; userIds: string[] }
  /** these display tokens were revoked: close the wall screens using them */
  | { topic: 'display.revoked'; tokenIds: string[] }
  /** the fleet sampler wrote the sample of the minute starting `at`: trend charts have a new point */
  | { topic: 'fleet.sampled'; at: string }
  /** a GitLab sync run ended: runners and job data were read again */
  | { topic: 'gitlab.synced'; gitlabInstanceId: string; at: string }
  /** one step of a runner registration, for the browser that started it */
  | ({ topic: 'runner.registration' } & RegistrationProgress)
  /**
   * Never published: this replica's listener is back after losing its connection (a database restart), and what
   * was published meanwhile is lost; receivers re-read from the database what they follow.
   */
  | { topic: 'events.resumed' };

export type Handler = (event: BusEvent) => void;

export interface EventBus {
  publish(event: BusEvent): Promise<void>;
  subscribe(handler: Handler): () => void;
  /** resolves once events from other replicas are being received */
  ready(): Promise<void>;
  close(): Promise<void>;
}

function dispatch(handlers: Set<Handler>, event: BusEvent, log?: FastifyBaseLogger) {
  for (const h of handlers) {
    try {
      h(event);
    } catch (err) {
      log?.error({ err, topic: event.topic }, 'event handler failed');
    }
  }
}

export function createLocalEventBus(log?: FastifyBaseLogger): EventBus {
  const handlers = new Set<Handler>();
  return {
    async publish(event) {
      queueMicrotask(() => dispatch(handlers, event, log));
    },
    subscribe(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    ready: async () => {},
    async close() {
      handlers.clear();
    },
  };
}

/** Longest pause between two attempts of the listener to reconnect, and how long one attempt may take. */
const RECONNECT_CAP_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** Largest payload sent in one NOTIFY; bigger id lists are split. */
const MAX_PAYLOAD = 7000;

export function splitEvent(event: BusEvent): BusEvent[] {
  if (!('machineIds' in event) || JSON.stringify(event).length <= MAX_PAYLOAD) return [event];
  const ids = event.machineIds;
  const half = Math.ceil(ids.length / 2);
  return [
    ...splitEvent({ ...event, machineIds: ids.slice(0, half) }),
    ...splitEvent({ ...event, machineIds: ids.slice(half) }),
  ];
}

export function createPgEventBus(opts: {
  connectionString: string;
  pool: pg.Pool;
  log: FastifyBaseLogger;
}): EventBus {
  const handlers = new Set<Handler>();
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;
  let listenedBefore = false;
  let markReady: () => void = () => {};
  const listening = new Promise<void>((resolve) => (markReady = resolve));

  /** The client connecting or listening now; an error of any other (an earlier one, ended) is old news. */
  let current: pg.Client | null = null;
  const connect = async () => {
    // TCP keepalive: a connection whose peer vanished without a reset (a partition) is given up on after the
    // system's probes fail, instead of being listened on forever.
    const c = new pg.Client({
      connectionString: opts.connectionString,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    current = c;
    c.on('notification', (msg) => {
      if (msg.channel !== EVENT_CHANNEL || !msg.payload) return;
      try {
        dispatch(handlers, JSON.parse(msg.payload) as BusEvent, opts.log);
      } catch (err) {
        opts.log.warn({ err }, 'dropped an unreadable event');
      }
    });
    c.on('error', (err) => {
      if (c !== current) return;
      opts.log.warn({ err }, 'event listener lost its connection');
      reconnect();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENT_CHANNEL}`);
      if (closed || c !== current) {
        await c.end().catch(() => {});
        return;
      }
      attempt = 0;
      markReady();
      if (listenedBefore) {
        opts.log.info('event listener reconnected; receivers re-read what they may have missed');
        dispatch(handlers, { topic: 'events.resumed' }, opts.log);
      }
      listenedBefore = true;
    } catch (err) {
      if (c !== current) return;
      opts.log.warn({ err }, 'event listener could not connect; retrying');
      reconnect();
    }
  };
  const reconnect = () => {
    if (closed || retry) return;
    const old = current;
    current = null;
    void old?.end().catch(() => {});
    // One connection per replica: nothing to stampede, and every second without it is a second of lost events.
    const delay = Math.min(RECONNECT_CAP_MS, 250 * 2 ** attempt++) * Math.random();
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  };
  void connect();

  return {
    async publish(event) {
      // Every part in one round trip: a fleet-wide rollout is one statement, not one per 7 KB of ids.
      const parts = splitEvent(event).map((part) => JSON.stringify(part));
      await opts.pool.query('SELECT pg_notify($1, part) FROM unnest($2::text[]) AS part', [
        EVENT_CHANNEL,
        parts,
      ]);
    },
    subscribe(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    ready: () => listening,
    async close() {
      closed = true;
      markReady();
      clearTimeout(retry);
      handlers.clear();
      const last = current;
      current = null;
      await last?.end().catch(() => {});
    },
  };
}
