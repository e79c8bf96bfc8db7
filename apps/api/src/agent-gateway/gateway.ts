/**
 * The `/agent` websocket: authentication at the upgrade (no valid credential, no socket), one session per
 * machine on this replica, reconcile on events from any replica, and a sweep that marks silent machines offline.
 * A revoked credential closes its connections on every replica (`credentials.revoked`), frames are limited in
 * size (ws `maxPayload`, closing with 1009) and in rate (a token bucket per connection, closing with 4006).
 */
import { hostname } from 'node:os';
import websocket from '@fastify/websocket';
import { AGENT_FRAME_RATE, CLOSE, MAX_FRAME_BYTES } from '@paddock/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { Batcher } from '../lib/batcher.js';
import { problem } from '../plugins/errors.js';
import type { EventBus } from '../lib/event-bus.js';
import { bearerToken, hashToken } from '../lib/tokens.js';
import { runnerTokenCheck, type RunnerTokenCheck } from '../gitlab/runner-token-check.js';
import {
  AgentSession,
  newSessionCounters,
  type DesiredRevision,
  type RevisionSource,
  type SessionCounters,
} from './session.js';
import { gatewayStore } from './store.js';

/** how long machine state changes are collected before one event announces them all */
const CHANGED_COALESCE_MS = 50;
/** At most this often a replica says that heartbeats arrived (walls then read running jobs again). */
const STATUS_ANNOUNCE_MS = 1_000;
/** machines whose desired revision is read and sent at a time */
const RECONCILE_SLICE = 1_000;
/** how long a rollout sent straight after its commit here waits for its own event before it is forgotten */
const SENT_LOCALLY_MS = 5 * 60_000;

export interface GatewayOptions {
  events: EventBus;
  revisions: RevisionSource;
  heartbeatIntervalMs: number;
  helloTimeoutMs?: number;
  /** frames per connection accepted at once and per second; default AGENT_FRAME_RATE */
  frameRate?: { burst: number; perSecond: number };
  /** machines came online or went offline (fleet budgets follow) */
  onHealthChanged?: (machineIds: string[]) => Promise<unknown>;
  /** runner tokens rotated by gitlab-runner were stored: render them into every machine of those runners */
  onTokensAdopted?: (runnerIds: string[]) => Promise<unknown>;
  /** asks GitLab whether a token reported as rotated is real; defaults to `POST /api/v4/runners/verify` */
  checkRunnerToken?: RunnerTokenCheck;
}

export interface AgentGateway {
  /** sessions connected to this replica, by machine id */
  readonly sessions: ReadonlyMap<string, AgentSession>;
  readonly counters: SessionCounters;
}

declare module 'fastify' {
  interface FastifyInstance {
    agentGateway: AgentGateway;
  }
  interface FastifyRequest {
    agentCredential?: { id: string; machineId: string };
  }
}

export default fp(
  async function agentGateway(app: FastifyInstance, opts: GatewayOptions) {
    const replicaId = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    const store = gatewayStore({
      prisma: app.db.prisma,
      secrets: app.secrets,
      replicaId,
      onRetry: (what, err, attempt) => app.log.warn({ err, attempt }, `retrying: ${what}`),
      onApplied: (seconds) => app.metrics.applyLatency.observe(seconds),
      checkRunnerToken:
        opts.checkRunnerToken ?? runnerTokenCheck({ timeoutMs: app.env.PADDOCK_GITLAB_TIMEOUT_MS }),
    });
    const sessions = new Map<string, AgentSession>();
    /** every open connection, with or without hello yet: a revocation must reach those too */
    const open = new Set<AgentSession>();
    const counters = newSessionCounters();
    app.decorate('agentGateway', { sessions, counters });
    const frameRate = opts.frameRate ?? AGENT_FRAME_RATE;

    await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

    /** Sends each connected machine its revision; one log line per batch rather than one per machine. */
    const send = (
      machineIds: Iterable<string>,
      desired: Map<string, DesiredRevision>,
      rolloutId?: string,
    ) => {
      const frames = new Map<string, Buffer>();
      const sent: Array<Promise<boolean>> = [];
      for (const id of machineIds) {
        const s = sessions.get(id);
        if (!s) continue;
        sent.push(
          s.reconcile(desired.get(id) ?? null, frames).catch((err: unknown) => {
            s.log.error({ err }, 'reconcile failed');
            return false;
          }),
        );
      }
      if (sent.length === 0) return;
      void Promise.all(sent).then((results) => {
        const count = results.filter(Boolean).length;
        if (count > 0) app.log.info({ rolloutId, agents: count }, 'sent revisions');
      });
    };
    const reconcileSlice = async (slice: string[]) => send(slice, await opts.revisions.desired(slice));

    // A rollout committed by this replica is sent at once with the revisions it rendered. Its event still comes
    // back from the database (other replicas need it); here it is then skipped, having nothing left to send.
    const sentLocally = new Map<string, number>();
    const stopCommitted = opts.revisions.onCommitted?.((rolloutId, revisions) => {
      const now = Date.now();
      for (const [id, at] of sentLocally) if (now - at > SENT_LOCALLY_MS) sentLocally.delete(id);
      if (sessions.size === 0) return;
      sentLocally.set(rolloutId, now);
      // Sent in slices, each in its own turn of the event loop: the committing request answers first, and agents'
      // answers and heartbeats are read between slices rather than after the whole fleet.
      const ids = [...revisions.keys()].filter((id) => sessions.has(id));
      let at = 0;
      const sendSlice = () => {
        const slice = ids.slice(at, (at += RECONCILE_SLICE));
        // A later rollout may already have been read and sent to a machine: never step it back.
        const current = slice.filter((id) => {
          const known = sessions.get(id)?.knownRevision;
          return known === undefined || known === null || known <= revisions.get(id)!.revision;
        });
        send(current, revisions, rolloutId);
        if (at < ids.length) setImmediate(sendSlice);
      };
      setImmediate(sendSlice);
    });
    // A large rollout arrives as many events (one NOTIFY holds a few hundred ids): the ids of events arriving
    // together are merged, then read in slices, so the first machines get their revision while later ones are
    // still being read, and a 10,000-machine rollout is 10 reads, not one per event.
    let toReconcile = new Set<string>();
    let reconcileScheduled = false;
    const reconcileNow = async () => {
      reconcileScheduled = false;
      const local = [...toReconcile];
      toReconcile = new Set();
      for (let i = 0; i < local.length; i += RECONCILE_SLICE) {
        await reconcileSlice(local.slice(i, i + RECONCILE_SLICE));
      }
    };
    const reconcile = (machineIds: string[]) => {
      for (const id of machineIds) if (sessions.has(id)) toReconcile.add(id);
      if (reconcileScheduled || toReconcile.size === 0) return;
      reconcileScheduled = true;
      setImmediate(() => {
        reconcileNow().catch((err: unknown) => app.log.error({ err }, 'reconcile failed'));
      });
    };
    const unsubscribe = opts.events.subscribe((event) => {
      if (event.topic === 'rollout.created') {
        if (sentLocally.delete(event.rolloutId)) return;
        // Nothing to read when no agent is connected here.
        if (sessions.size === 0) return;
        store
          .machinesOfRollout(event.rolloutId)
          .then(reconcile)
          .catch((err: unknown) => app.log.error({ err }, 'could not read a rollout'));
      }
      if (event.topic === 'machines.reconcile') {
        reconcile(event.machineIds);
      }
      // Rollouts announced while this replica was not listening were lost: every agent here is checked again.
      if (event.topic === 'events.resumed') {
        reconcile([...sessions.keys()]);
      }
      if (event.topic === 'credentials.revoked') {
        const machineIds = new Set(event.machineIds);
        const affected = [...open].filter((s) => machineIds.has(s.machineId));
        if (affected.length === 0) return;
        // Only connections whose own credential is no longer live are closed: a machine that enrolled again
        // keeps the connection made with its new credential.
        store
          .liveCredentials([...new Set(affected.map((s) => s.credentialId))])
          .then((live) => {
            for (const s of affected) {
              if (!live.has(s.credentialId)) s.close(CLOSE.revoked, 'credential revoked');
            }
          })
          .catch((err: unknown) => {
            // Unsure whether they are still allowed: close them; a live credential reconnects at once.
            app.log.error({ err }, 'could not check revoked credentials; closing their connections');
            for (const s of affected) s.close(CLOSE.revoked, 'credential revoked');
          });
      }
    });

    // State changes are announced in bulk: a rollout's thousand answers become a few events, not a thousand.
    const changedIds = new Set<string>();
    let changedTimer: NodeJS.Timeout | undefined;
    const publishChanged = () => {
      changedTimer = undefined;
      const ids = [...changedIds];
      changedIds.clear();
      void opts.events
        .publish({ topic: 'machines.changed', machineIds: ids })
        .catch((err: unknown) => app.log.warn({ err }, 'could not publish a machine change'));
    };
    const changed = (ids: string[]) => {
      for (const id of ids) changedIds.add(id);
      changedTimer ??= setTimeout(publishChanged, CHANGED_COALESCE_MS);
    };
    // Heartbeats move running jobs and host figures, which the walls show: announced at most once a second per
    // replica, without ids, since a fleet's heartbeats are hundreds a second and no list needs them one by one.
    let statusTimer: NodeJS.Timeout | undefined;
    const statusSeen = () => {
      statusTimer ??= setTimeout(() => {
        statusTimer = undefined;
        void opts.events
          .publish({ topic: 'machines.status' })
          .catch((err: unknown) => app.log.warn({ err }, 'could not publish heartbeat news'));
      }, STATUS_ANNOUNCE_MS);
    };
    // Machines coming and going are handed over in batches, one at a time: when a fleet reconnects after a
    // restart, its fleet budgets are re-split a few times, not once per machine.
    const onHealthChanged = opts.onHealthChanged;
    const health = onHealthChanged
      ? new Batcher<string, void>({
          attempts: 1,
          async flush(ids) {
            await onHealthChanged([...new Set(ids)]).catch((err: unknown) =>
              app.log.error({ err, machines: ids.length }, 'rebalancing after a health change failed'),
            );
            return ids.map(() => undefined);
          },
        })
      : null;
    const healthChanged = (ids: string[]) => {
      if (ids.length === 0) return;
      changed(ids);
      for (const id of ids) void health?.add(id);
    };

    const silentMs = opts.heartbeatIntervalMs * 3;
    const sweep = setInterval(() => {
      store
        .sweepOffline(silentMs)
        .then((ids) => {
          if (ids.length === 0) return;
          app.log.info({ machineIds: ids }, 'machines went offline');
          healthChanged(ids);
        })
        .catch((err: unknown) => app.log.warn({ err }, 'offline sweep failed'));
    }, opts.heartbeatIntervalMs);
    sweep.unref();

    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onClose', async () => {
      clearInterval(sweep);
      clearTimeout(statusTimer);
      if (changedTimer) {
        clearTimeout(changedTimer);
        publishChanged();
      }
      unsubscribe();
      stopCommitted?.();
      for (const s of open) s.close(CLOSE.goingAway, 'server shutting down');
      // Answers already received are written before the database goes away.
      await store
        .flushed()
        .catch((err: unknown) => app.log.warn({ err }, 'could not write the last answers'));
    });

    app.get(
      '/agent',
      {
        websocket: true,
        schema: { hide: true },
        // Runs before the upgrade: a request without a live credential never becomes a socket.
        preValidation: async (request, reply) => {
          const token = bearerToken(request.headers.authorization);
          const cred = token ? await store.machineForCredential(hashToken(token)) : null;
          if (!cred) {
            return reply
              .status(401)
              .type('application/problem+json')
              .send(
                problem(401, 'unauthorized', 'Unauthorized', {
                  detail:
                    'Connect with Authorization: Bearer <agent credential> (paddock-agent enroll issues one).',
                  requestId: request.id,
                }),
              );
          }
          request.agentCredential = { id: cred.id, machineId: cred.machineId };
          void store.credentialUsed(cred.id);
        },
      },
      (socket: WebSocket, request) => {
        const { id: credentialId, machineId } = request.agentCredential!;
        const log = request.log.child({ machineId });
        const session = new AgentSession(machineId, credentialId, socket, {
          store,
          revisions: opts.revisions,
          log,
          counters,
          options: {
            heartbeatIntervalMs: opts.heartbeatIntervalMs,
            helloTimeoutMs: opts.helloTimeoutMs ?? 10_000,
            maxInvalidFrames: 20,
            frameBurst: frameRate.burst,
            framesPerSecond: frameRate.perSecond,
          },
          onHello(session) {
            const previous = sessions.get(machineId);
            sessions.set(machineId, session);
            return previous && previous !== session ? previous : null;
          },
          requestReconcile: (id) => reconcile([id]),
          onOnline: (id) => healthChanged([id]),
          onChanged: (id) => changed([id]),
          onStatus: statusSeen,
          onTokensAdopted: (runnerIds) => {
            opts
              .onTokensAdopted?.(runnerIds)
              .catch((err: unknown) => log.error({ err }, 'could not re-render rotated tokens'));
          },
          onClose(session) {
            open.delete(session);
            if (sessions.get(machineId) !== session) return;
            sessions.delete(machineId);
            log.info('agent disconnected');
            // A status or heartbeat still being written would mark the machine online again: wait for them, and
            // leave the machine alone if it reconnected here meanwhile.
            void session
              .settled()
              .then(async () => {
                if (sessions.has(machineId)) return;
                const wentOffline = await store.markOffline(machineId);
                // Browsers see it at once and fleet budgets are re-split on the remaining machines. Not while this
                // replica shuts down: its agents reconnect elsewhere in seconds, and a fleet-wide re-split to
                // nothing and back would only churn every config.toml.
                if (wentOffline && !closing) healthChanged([machineId]);
              })
              .catch((err: unknown) => log.warn({ err }, 'could not mark offline'));
          },
        });
        open.add(session);
      },
    );
  },
  { name: 'agent-gateway', dependencies: ['db', 'metrics'] },
);
