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
import { problem } from '../plugins/errors.js';
import type { EventBus } from '../lib/event-bus.js';
import { bearerToken, hashToken } from '../lib/tokens.js';
import { AgentSession, type RevisionSource, type SessionCounters } from './session.js';
import { gatewayStore } from './store.js';

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
    const store = gatewayStore({ prisma: app.db.prisma, secrets: app.secrets, replicaId });
    const sessions = new Map<string, AgentSession>();
    const counters: SessionCounters = { invalidFrames: 0 };
    app.decorate('agentGateway', { sessions, counters });

    await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

    const reconcile = async (machineIds: string[]) => {
      const local = machineIds.filter((id) => sessions.has(id));
      // Large rollouts are read in slices, so the first machines get their revision while later ones render.
      for (let i = 0; i < local.length; i += 500) {
        const slice = local.slice(i, i + 500);
        const desired = await opts.revisions.desired(slice);
        for (const id of slice) {
          const s = sessions.get(id);
          if (s)
            void s
              .reconcile(desired.get(id) ?? null)
              .catch((err: unknown) => s.log.error({ err }, 'reconcile failed'));
        }
      }
    };
    const unsubscribe = opts.events.subscribe((event) => {
      if (event.topic === 'machines.reconcile') {
        reconcile(event.machineIds).catch((err: unknown) => app.log.error({ err }, 'reconcile failed'));
      }
      if (event.topic === 'credentials.revoked') {
        for (const id of event.machineIds) sessions.get(id)?.close(CLOSE.revoked, 'credential revoked');
      }
    });

    const changed = (ids: string[]) => {
      void opts.events
        .publish({ topic: 'machines.changed', machineIds: ids })
        .catch((err: unknown) => app.log.warn({ err }, 'could not publish a machine change'));
    };
    const healthChanged = (ids: string[]) => {
      if (ids.length === 0) return;
      changed(ids);
      if (!opts.onHealthChanged) return;
      opts
        .onHealthChanged(ids)
        .catch((err: unknown) => app.log.error({ err }, 'rebalancing after a health change failed'));
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
      unsubscribe();
      for (const s of sessions.values()) s.close(CLOSE.goingAway, 'server shutting down');
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
