/**
 * `/live`: the browser's websocket. Clients subscribe to topics; when the bus says machines changed (on any
 * replica), this replica reads their current state once and sends it to every subscriber here. Changes are
 * coalesced for a short window so a fleet-wide rollout becomes a few messages, not one per machine and event.
 * Registration steps carry their whole state and are forwarded as they come. Wall topics get whole summaries
 * (modules/wall/wall-feed.ts), throttled per filter.
 */
import {
  LiveClientMessage,
  type LiveServerMessage,
  type LiveTopic,
  type WallTopic,
} from '@paddock/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import type { EventBus } from '../lib/event-bus.js';
import type { Principal } from '../plugins/auth.js';
import { machinesRepository } from '../modules/machines/machines.repository.js';
import { machinesService } from '../modules/machines/machines.service.js';
import { rolloutStatus } from '../modules/revisions/rollout-status.js';
import { jobsRepository } from '../modules/jobs/jobs.repository.js';
import { summaryOfTopic, wallFeed } from '../modules/wall/wall-feed.js';
import { wallRepository } from '../modules/wall/wall.repository.js';
import { wallService } from '../modules/wall/wall.service.js';
import { traceTopic } from './trace-topic.js';

const MAX_TOPICS_PER_CLIENT = 100;
/** how often a watched job's log is read from GitLab (gitlab-runner sends it every 3 s while watched) */
const TRACE_INTERVAL_MS = 3_000;
const MAX_CLIENT_FRAME = 4096;
/** what a wall screen's display token may watch: the fleet and wall summaries, never traces, rollouts or registrations */
const DISPLAY_TOPICS: ReadonlySet<string> = new Set(['machines', 'wall']);
/** `wall:tags=…` and `wall:label=…` are wall topics too */
const topicKind = (topic: string) => topic.split(':', 1)[0]!;
/** messages a browser may send: a bucket of `burst` refilled at `perSecond` */
const LIVE_FRAME_RATE = { burst: 200, perSecond: 50 } as const;
/** close code when a client sends more than LIVE_FRAME_RATE allows */
export const CLOSE_TOO_MANY_MESSAGES = 4008;
/** close code when the socket's session or display token ends */
export const CLOSE_CREDENTIAL_REVOKED = 4401;
/** close code when events may have been missed (the database connection of the event bus came back): reconnect */
export const CLOSE_RESUMED = 1012;

interface Client {
  socket: WebSocket;
  /** who opened the socket (checked at the upgrade) */
  principal: Principal;
  topics: Set<LiveTopic>;
  alive: boolean;
  /** job logs this client watches, and how to stop each */
  traces: Map<LiveTopic, () => void>;
}

/** Browsers answer websocket pings by themselves; a socket that misses one is dead and is dropped. */
const PING_INTERVAL_MS = 30_000;

export interface LiveHub {
  readonly clientCount: number;
  /** topics those clients are subscribed to, counted per client */
  readonly subscriptionCount: number;
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
      get subscriptionCount() {
        let n = 0;
        for (const c of clients) n += c.topics.size;
        return n;
      },
      get traceReads() {
        return traces.pollers.polls;
      },
      get tracesWatched() {
        return traces.pollers.active;
      },
    });

    const sendFrame = (client: Client, frame: string) => {
      if (client.socket.readyState === client.socket.OPEN) client.socket.send(frame);
    };
    const send = (client: Client, message: LiveServerMessage) => sendFrame(client, JSON.stringify(message));

    const isWall = (topic: LiveTopic): topic is WallTopic => topicKind(topic) === 'wall';
    const wall = wallFeed({
      summary: summaryOfTopic(
        wallService({ wall: wallRepository(app.db.prisma), jobs: jobsRepository(app.db.prisma) }),
      ),
      topics: function* () {
        for (const c of clients) for (const t of c.topics) if (isWall(t)) yield t;
      },
      deliver: (topic, summary) => {
        // One serialisation per topic, however many screens show it.
        const frame = JSON.stringify({ type: 'wall', topic, summary } satisfies LiveServerMessage);
        for (const c of clients)
          if (c.topics.has(topic) && c.socket.readyState === c.socket.OPEN) c.socket.send(frame);
      },
      log: app.log,
    });

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
      if (event.topic === 'machines.changed' || event.topic === 'machines.reconcile') {
        changed(event.machineIds);
        wall.changed();
      }
      // Credentials ended elsewhere end their open sockets here too, at once.
      if (event.topic === 'sessions.revoked' || event.topic === 'display.revoked') {
        for (const c of clients) {
          const p = c.principal;
          const ended =
            event.topic === 'sessions.revoked'
              ? (p.kind === 'session' || p.kind === 'api_token') && event.userIds.includes(p.userId)
              : p.kind === 'display' && event.tokenIds.includes(p.tokenId);
          if (ended) {
            c.socket.close(
              CLOSE_CREDENTIAL_REVOKED,
              event.topic === 'display.revoked' ? 'display token revoked' : 'signed out',
            );
            forget(c);
          }
        }
      }
      // The event bus was away, so events were missed: every socket is closed with "service restart" (1012); the
      // browsers reconnect at once and read everything again rather than show what may be stale.
      if (event.topic === 'events.resumed') {
        for (const c of clients) {
          c.socket.close(CLOSE_RESUMED, 'live updates were interrupted: reconnect');
          forget(c);
        }
      }
      if (event.topic === 'machines.status') wall.changed();
      if (event.topic === 'gitlab.synced') {
        for (const c of clients) if (c.topics.has('gitlab')) send(c, { type: 'gitlabSynced', at: event.at });
        // Job counts and waits on the walls come from the same data.
        wall.changed();
      }
      if (event.topic === 'fleet.sampled') {
        for (const c of clients) if (c.topics.has('fleet')) send(c, { type: 'fleetSampled', at: event.at });
      }
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
      wall.close();
      for (const c of clients) c.socket.close(1001, 'server shutting down');
    });

    async function initial(client: Client, topic: LiveTopic) {
      if (topic.startsWith('machine:')) {
        const [machine] = await machines.getMany([topic.slice(8)]);
        if (machine) send(client, { type: 'machine', machine });
      } else if (topic.startsWith('rollout:')) {
        const status = await rolloutStatus(app.db.prisma, topic.slice(8));
        if (status) send(client, { type: 'rollout', rollout: status });
      } else if (isWall(topic)) {
        send(client, { type: 'wall', topic, summary: await wall.current(topic) });
      }
    }

    const liveRoute = {
      websocket: true as const,
      config: { access: 'display' as const },
      schema: { hide: true },
    };
    app.get('/live', liveRoute, (socket: WebSocket, request: FastifyRequest) => {
      const client: Client = {
        socket,
        principal: request.principal,
        topics: new Set(),
        alive: true,
        traces: new Map(),
      };
      socket.on('pong', () => (client.alive = true));
      clients.add(client);
      send(client, { type: 'ready' });
      let allowance: number = LIVE_FRAME_RATE.burst;
      let refilledAt = Date.now();
      socket.on('message', (data: Buffer) => {
        // A browser sends a handful of (un)subscriptions per page; a flood is a broken or hostile client.
        const now = Date.now();
        allowance = Math.min(
          LIVE_FRAME_RATE.burst,
          allowance + ((now - refilledAt) / 1000) * LIVE_FRAME_RATE.perSecond,
        );
        refilledAt = now;
        if (allowance < 1) {
          socket.close(
            CLOSE_TOO_MANY_MESSAGES,
            `too many messages: at most ${LIVE_FRAME_RATE.perSecond} per second`,
          );
          forget(client);
          return;
        }
        allowance -= 1;
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
        if (client.principal.kind === 'display' && !DISPLAY_TOPICS.has(topicKind(topic))) {
          send(client, {
            type: 'error',
            message: `a display token may only subscribe to: ${[...DISPLAY_TOPICS].join(', ')}`,
          });
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
            traces.watch(topic.slice('trace:'.length), offset, (frame) => sendFrame(client, frame)),
          );
          return;
        }
        void initial(client, topic).catch((err: unknown) =>
          request.log.warn({ err, topic }, 'live initial state failed'),
        );
      });
      socket.on('close', () => forget(client));
      socket.on('error', () => forget(client));
    });
  },
  { name: 'live-hub', dependencies: ['db', 'auth', 'agent-gateway', 'gitlab'] },
);
