/**
 * The `/agent` websocket: authentication at the upgrade (no valid credential, no socket), one session per
 * machine on this replica, reconcile on events from any replica, and a sweep that marks silent machines offline.
 */
import { hostname } from 'node:os';
import websocket from '@fastify/websocket';
import { CLOSE, MAX_FRAME_BYTES } from '@paddock/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { Batcher } from '../lib/batcher.js';
import { problem } from '../plugins/errors.js';
import type { EventBus } from '../lib/event-bus.js';
import { bearerToken, hashToken } from '../lib/tokens.js';
import { AgentSession, type RevisionSource, type SessionCounters } from './session.js';
import { gatewayStore } from './store.js';

/** how long machine state changes are collected before one event announces them all */
const CHANGED_COALESCE_MS = 50;
/** machines whose desired revision is read and sent at a time */
const RECONCILE_SLICE = 1_000;

export interface GatewayOptions {
  events: EventBus;
  revisions: RevisionSource;
  heartbeatIntervalMs: number;
  helloTimeoutMs?: number;
  /** machines came online or went offline (fleet budgets follow) */
  onHealthChanged?: (machineIds: string[]) => Promise<unknown>;
  /** runner tokens rotated by gitlab-runner were stored: render them into every machine of those runners */
  onTokensAdopted?: (runnerIds: string[]) => Promise<unknown>;
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
    agentMachineId?: string;
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
    });
    const sessions = new Map<string, AgentSession>();
    const counters: SessionCounters = { invalidFrames: 0 };
    app.decorate('agentGateway', { sessions, counters });

    await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

    const reconcileSlice = async (slice: string[]) => {
      const desired = await opts.revisions.desired(slice);
      const frames = new Map<string, Buffer>();
      for (const id of slice) {
        const s = sessions.get(id);
        if (s)
          void s
            .reconcile(desired.get(id) ?? null, frames)
            .catch((err: unknown) => s.log.error({ err }, 'reconcile failed'));
      }
    };
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
      if (event.topic === 'credentials.revoked') {
        for (const id of event.machineIds) sessions.get(id)?.close(CLOSE.revoked, 'credential revoked');
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

    app.addHook('onClose', async () => {
      clearInterval(sweep);
      if (changedTimer) {
        clearTimeout(changedTimer);
        publishChanged();
      }
      unsubscribe();
      for (const s of sessions.values()) s.close(CLOSE.goingAway, 'server shutting down');
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
          request.agentMachineId = cred.machineId;
          void store.credentialUsed(cred.id);
        },
      },
      (socket: WebSocket, request) => {
        const machineId = request.agentMachineId!;
        const log = request.log.child({ machineId });
        new AgentSession(machineId, socket, {
          store,
          revisions: opts.revisions,
          log,
          counters,
          options: {
            heartbeatIntervalMs: opts.heartbeatIntervalMs,
            helloTimeoutMs: opts.helloTimeoutMs ?? 10_000,
            maxInvalidFrames: 20,
          },
          onHello(session) {
            const previous = sessions.get(machineId);
            sessions.set(machineId, session);
            return previous && previous !== session ? previous : null;
          },
          requestReconcile: (id) => reconcile([id]),
          onOnline: (id) => healthChanged([id]),
          onChanged: (id) => changed([id]),
          onTokensAdopted: (runnerIds) => {
            opts
              .onTokensAdopted?.(runnerIds)
              .catch((err: unknown) => log.error({ err }, 'could not re-render rotated tokens'));
          },
          onClose(session) {
            if (sessions.get(machineId) !== session) return;
            sessions.delete(machineId);
            void store
              .markOffline(machineId)
              .catch((err: unknown) => log.warn({ err }, 'could not mark offline'));
            log.info('agent disconnected');
          },
        });
      },
    );
  },
  { name: 'agent-gateway', dependencies: ['db'] },
);
