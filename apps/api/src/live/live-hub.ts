/**
 * `/live`: the browser's websocket. Clients subscribe to topics; when the bus says machines changed (on any
 * replica), this replica reads their current state once and sends it to every subscriber here. Changes are
 * coalesced for a short window so a fleet-wide rollout becomes a few messages, not one per machine and event.
 * Registration steps carry their whole state and are forwarded as they come.
 */
import { LiveClientMessage, type LiveServerMessage, type LiveTopic } from '@paddock/contracts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import type { EventBus } from '../lib/event-bus.js';
import { machinesRepository } from '../modules/machines/machines.repository.js';
import { machinesService } from '../modules/machines/machines.service.js';
import { rolloutStatus } from '../modules/revisions/rollout-status.js';
import { traceTopic } from './trace-topic.js';

const MAX_TOPICS_PER_CLIENT = 100;
/** how often a watched job's log is read from GitLab (gitlab-runner sends it every 3 s while watched) */
const TRACE_INTERVAL_MS = 3_000;
const MAX_CLIENT_FRAME = 4096;

interface Client {
  socket: WebSocket;
  topics: Set<LiveTopic>;
  alive: boolean;
  /** job logs this client watches, and how to stop each */
  traces: Map<LiveTopic, () => void>;
}

/** Browsers answer websocket pings by themselves; a socket that misses one is dead and is dropped. */
const PING_INTERVAL_MS = 30_000;

export interface LiveHub {
  readonly clientCount: number;
  /** job logs read from GitLab so far (one read per watched job per interval, whatever the viewers) */
  readonly traceReads: number;
  /** job logs polled now */
  readonly tracesWatched: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    liveHub: LiveHub;
  }
}

export default fp(
  async function liveHub(
    app: FastifyInstance,
    opts: { events: EventBus; coalesceMs?: number; traceIntervalMs?: number },
  ) {
    const clients = new Set<Client>();
    const traces = traceTopic({
      prisma: app.db.prisma,
      gitlab: app.gitlab,
      log: app.log,
      intervalMs: opts.traceIntervalMs ?? TRACE_INTERVAL_MS,
    });
    const stopTraces = (client: Client, topic?: LiveTopic) => {
      for (const [t, stop] of client.traces) {
        if (topic && t !== topic) continue;
        stop();
        client.traces.delete(t);
      }
    };
    const forget = (client: Client) => {
      stopTraces(client);
      clients.delete(client);
    };
    const machines = machinesService({ repo: machinesRepository(app.db.prisma) });
    app.decorate('liveHub', {
      get clientCount() {
        return clients.size;
      },
      get traceReads() {
        return traces.pollers.polls;
      },
      get tracesWatched() {
        return traces.pollers.active;
      },
    });

    const send = (client: Client, message: LiveServerMessage) => {
      if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(message));
    };

    let pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    const flush = async () => {
      timer = undefined;
      const ids = [...pending];
      pending = new Set();
      if (ids.length === 0 || clients.size === 0) return;
      const wanted = ids.filter((id) =>
        [...clients].some((c) => c.topics.has('machines') || c.topics.has(`machine:${id}`)),
      );
      const states = wanted.length ? await machines.getMany(wanted) : [];
      for (const machine of states) {
        for (const c of clients) {
          if (c.topics.has('machines') || c.topics.has(`machine:${machine.id}`))
            send(c, { type: 'machine', machine });
        }
      }
      // Rollouts touching the changed machines, for their subscribers.
      const rolloutIds = new Set<string>();
      for (const c of clients)
        for (const t of c.topics) if (t.startsWith('rollout:')) rolloutIds.add(t.slice(8));
      if (rolloutIds.size === 0) return;
      const touched = await app.db.prisma.configRevision.findMany({
        where: { rolloutId: { in: [...rolloutIds] }, machineId: { in: ids } },
        select: { rolloutId: true },
        distinct: ['rolloutId'],
      });
      for (const { rolloutId } of touched) {
        const status = rolloutId ? await rolloutStatus(app.db.prisma, rolloutId) : null;
        if (!status) continue;
        for (const c of clients)
          if (c.topics.has(`rollout:${status.rolloutId}`)) send(c, { type: 'rollout', rollout: status });
      }
    };
    const changed = (ids: string[]) => {
      for (const id of ids) pending.add(id);
      timer ??= setTimeout(
        () => void flush().catch((err: unknown) => app.log.error({ err }, 'live flush failed')),
        opts.coalesceMs ?? 100,
      );
    };
    const unsubscribe = opts.events.subscribe((event) => {
      if (event.topic === 'machines.changed' || event.topic === 'machines.reconcile')
        changed(event.machineIds);
      if (event.topic === 'runner.registration') {
        const { topic: _topic, ...registration } = event;
        for (const c of clients)
          if (c.topics.has(`registration:${registration.registrationId}`))
            send(c, { type: 'registration', registration });
      }
      if (event.topic === 'rollout.created' && clients.size > 0) {
        app.db.prisma.$queryRaw<Array<{ machine_id: string }>>`
          SELECT machine_id::text FROM config_revisions WHERE rollout_id = ${event.rolloutId}::uuid`
          .then((rows) => changed(rows.map((r) => r.machine_id)))
          .catch((err: unknown) => app.log.error({ err }, 'could not read a rollout'));
      }
    });
    const pinger = setInterval(() => {
      for (const c of clients) {
        if (!c.alive) {
          c.socket.terminate();
          forget(c);
          continue;
        }
        c.alive = false;
        c.socket.ping();
      }
    }, PING_INTERVAL_MS);
    pinger.unref();

    app.addHook('onClose', async () => {
      clearInterval(pinger);
      unsubscribe();
      clearTimeout(timer);
      traces.close();
      for (const c of clients) c.socket.close(1001, 'server shutting down');
    });

    async function initial(client: Client, topic: LiveTopic) {
      if (topic.startsWith('machine:')) {
        const [machine] = await machines.getMany([topic.slice(8)]);
        if (machine) send(client, { type: 'machine', machine });
      } else if (topic.startsWith('rollout:')) {
        const status = await rolloutStatus(app.db.prisma, topic.slice(8));
        if (status) send(client, { type: 'rollout', rollout: status });
      }
    }

    app.get('/live', { websocket: true, schema: { hide: true } }, (socket: WebSocket) => {
      const client: Client = { socket, topics: new Set(), alive: true, traces: new Map() };
      socket.on('pong', () => (client.alive = true));
      clients.add(client);
      send(client, { type: 'ready' });
      socket.on('message', (data: Buffer) => {
        if (data.length > MAX_CLIENT_FRAME) {
          send(client, { type: 'error', message: 'message too large' });
          return;
        }
        let parsed: ReturnType<typeof LiveClientMessage.safeParse>;
        try {
          parsed = LiveClientMessage.safeParse(JSON.parse(data.toString('utf8')));
        } catch {
          send(client, { type: 'error', message: 'messages are JSON' });
          return;
        }
        if (!parsed.success) {
          send(client, {
            type: 'error',
            message: `invalid message: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
          });
          return;
        }
        const { type, topic } = parsed.data;
        if (type === 'unsubscribe') {
          client.topics.delete(topic);
          stopTraces(client, topic);
          return;
        }
        if (client.topics.size >= MAX_TOPICS_PER_CLIENT) {
          send(client, { type: 'error', message: `at most ${MAX_TOPICS_PER_CLIENT} topics per connection` });
          return;
        }
        client.topics.add(topic);
        send(client, { type: 'subscribed', topic });
        if (topic.startsWith('trace:')) {
          // Subscribing again (after a reconnect, with the bytes already held) restarts from that offset.
          stopTraces(client, topic);
          const offset = parsed.data.type === 'subscribe' ? (parsed.data.offset ?? 0) : 0;
          client.traces.set(
            topic,
            traces.watch(topic.slice('trace:'.length), offset, (m) => send(client, m)),
          );
          return;
        }
        void initial(client, topic).catch((err: unknown) =>
          app.log.warn({ err }, 'live initial state failed'),
        );
      });
      socket.on('close', () => forget(client));
      socket.on('error', () => forget(client));
    });
  },
  { name: 'live-hub', dependencies: ['db', 'agent-gateway', 'gitlab'] },
);
