/**
 * The audit log. Routes that change something declare `config.audit` and this plugin records one event per
 * successful call: the actor (person, API token, agent or Paddock itself), source IP, request id, action, target,
 * and before/after snapshots. Services record what happens without a route (logins, system re-splits) with
 * `app.audit.record`. Secrets never enter an event: values under secret-sounding keys and anything shaped like a
 * token are replaced before writing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Prisma } from '../db/client.js';
import type { RequestActor } from './auth.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditLog {
  /**
   * records an event; `request` gives the source IP, request id and actor, `actor` overrides the actor (default:
   * Paddock itself)
   */
  record(entry: AuditEntry, request?: FastifyRequest | null, actor?: RequestActor): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditLog;
  }
}

const SECRET_KEY = /(^|_|-)?(token|password|secret|credential|ciphertext|cookie|authorization|csrf)/i;
/** keys that contain a secret-sounding word but hold no secret */
const SAFE_KEYS = new Set([
  'tokenId',
  'tokenExpiresAt',
  'tokenObtainedAt',
  'tokenRotatedAt',
  'tokenLastFour',
  'tokenPrefix',
  'hasPassword',
  'tokens',
]);
/** GitLab tokens (glrt-, glpat-, …) and Paddock's own (pd?_) */
const SECRET_VALUE = /\b(gl[a-z]{2,8}-[A-Za-z0-9_-]{8,}|pd[a-z]_[A-Za-z0-9_-]{16,})/g;

/** A copy of `value` with every secret replaced by "[redacted]". */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[too deep]';
  if (typeof value === 'string') return value.replace(SECRET_VALUE, '[redacted]');
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (
        !SAFE_KEYS.has(k) &&
        SECRET_KEY.test(k) &&
        v !== null &&
        typeof v !== 'boolean' &&
        typeof v !== 'object'
      )
        out[k] = '[redacted]';
      else out[k] = withoutSecrets(v, depth + 1);
    }
    return out;
  }
  return value;
}

function json(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return withoutSecrets(JSON.parse(JSON.stringify(value))) as Prisma.InputJsonValue;
}

const SYSTEM: RequestActor = { type: 'system', id: null, label: 'paddock' };

/** how often old audit events, expired sessions and one-time links are deleted */
const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Deletes audit events older than the retention, expired sessions and one-time links, and login throttles nobody
 * hit for a day. Idempotent, so replicas may run it at the same time.
 */
export async function pruneExpired(
  prisma: FastifyInstance['db']['prisma'],
  opts: { retentionDays: number; sessionIdleMinutes: number; now?: Date },
): Promise<{ auditEvents: number }> {
  const now = opts.now ?? new Date();
  let auditEvents = 0;
  if (opts.retentionDays > 0) {
    auditEvents = (
      await prisma.auditEvent.deleteMany({
        where: { at: { lt: new Date(now.getTime() - opts.retentionDays * 86_400_000) } },
      })
    ).count;
  }
  await prisma.session.deleteMany({
    where: {
      OR: [
        { expiresAt: { lte: now } },
        { lastSeenAt: { lte: new Date(now.getTime() - opts.sessionIdleMinutes * 60_000) } },
      ],
    },
  });
  await prisma.setupToken.deleteMany({ where: { expiresAt: { lte: now } } });
  await prisma.loginThrottle.deleteMany({
    where: { updatedAt: { lte: new Date(now.getTime() - 86_400_000) } },
  });
  return { auditEvents };
}

export default fp(
  async function auditPlugin(app: FastifyInstance, opts: { retentionDays: number }) {
    const prisma = app.db.prisma;
    const prune = () =>
      pruneExpired(prisma, {
        retentionDays: opts.retentionDays,
        sessionIdleMinutes: app.env.PADDOCK_SESSION_IDLE_MINUTES,
      }).catch((err: unknown) =>
        app.log.warn({ err }, 'pruning old audit events and sessions failed; will retry'),
      );
    const timer = setInterval(prune, PRUNE_EVERY_MS);
    timer.unref();
    app.addHook('onReady', async () => {
      void prune();
    });
    app.addHook('onClose', async () => clearInterval(timer));
    const audit: AuditLog = {
      async record(entry, request, given) {
        const actor = given ?? request?.actor ?? SYSTEM;
        try {
          await prisma.auditEvent.create({
            data: {
              actorType: actor.type,
              actorId: actor.id,
              actorLabel: actor.label ?? null,
              sourceIp: request?.ip ?? null,
              requestId: request?.id ?? null,
              action: entry.action,
              targetType: entry.targetType,
              targetId: entry.targetId ?? null,
              before: json(entry.before),
              after: json(entry.after),
            },
          });
        } catch (err) {
          // The change itself is done; losing its record is logged loudly rather than failing the request.
          app.log.error({ err, action: entry.action }, 'audit event could not be written');
        }
      },
    };
    app.decorate('audit', audit);

    const befores = new WeakMap<FastifyRequest, unknown>();
    const targetIdOf = (request: FastifyRequest, response: unknown): string | null => {
      const rule = request.routeOptions.config.audit;
      if (!rule) return null;
      if (rule.targetId) return rule.targetId(request, response) ?? null;
      const params = request.params as Record<string, unknown> | undefined;
      if (typeof params?.id === 'string') return params.id;
      const id = (response as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? id : null;
    };

    app.addHook('preHandler', async (request) => {
      const rule = request.routeOptions.config?.audit;
      if (!rule || !rule.snapshot) return;
      const id = targetIdOf(request, null);
      if (id) befores.set(request, await rule.snapshot(id).catch(() => null));
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const rule = request.routeOptions.config?.audit;
      if (!rule || reply.statusCode >= 400) return payload;
      let body: unknown = null;
      if (typeof payload === 'string' && payload.length > 0 && payload.length < 1_000_000) {
        try {
          body = JSON.parse(payload);
        } catch {
          body = null;
        }
      }
      const targetId = targetIdOf(request, body);
      // A snapshot shows the stored state after the change (null once deleted); without one, the response body.
      const after =
        rule.snapshot && targetId
          ? await rule.snapshot(targetId).catch(() => null)
          : request.method === 'DELETE'
            ? null
            : body;
      await audit.record(
        { action: rule.action, targetType: rule.targetType, targetId, before: befores.get(request), after },
        request,
      );
      return payload;
    });
  },
  { name: 'audit', dependencies: ['db'] },
);
