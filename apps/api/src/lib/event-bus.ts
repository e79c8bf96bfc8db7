/**
 * Events between API replicas: Postgres LISTEN/NOTIFY on one channel, payloads carrying ids only (NOTIFY stops at
 * 8,000 bytes; receivers read the rest from the database). The embedded database has a single process by
 * construction, so it uses the in-process bus.
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
  | ({ topic: 'runner.registration' } & RegistrationProgress);

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
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;
  let markReady: () => void = () => {};
  const listening = new Promise<void>((resolve) => (markReady = resolve));

  const connect = async () => {
    const c = new pg.Client({ connectionString: opts.connectionString });
    c.on('notification', (msg) => {
      if (msg.channel !== EVENT_CHANNEL || !msg.payload) return;
      try {
        dispatch(handlers, JSON.parse(msg.payload) as BusEvent, opts.log);
      } catch (err) {
        opts.log.warn({ err }, 'dropped an unreadable event');
      }
    });
    c.on('error', (err) => {
      opts.log.warn({ err }, 'event listener lost its connection');
      reconnect();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENT_CHANNEL}`);
      client = c;
      attempt = 0;
      markReady();
    } catch (err) {
      opts.log.warn({ err }, 'event listener could not connect; retrying');
      await c.end().catch(() => {});
      reconnect();
    }
  };
  const reconnect = () => {
    if (closed || retry) return;
    const old = client;
    client = null;
    void old?.end().catch(() => {});
    const delay = Math.min(30_000, 500 * 2 ** attempt++) * Math.random();
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
      await client?.end().catch(() => {});
    },
  };
}
