/**
 * Reading the audit log (operators and admins), newest first, with filters. Events older than
 * PADDOCK_AUDIT_RETENTION_DAYS are deleted by the retention job (audit.retention.ts).
 */
import { AuditEventPage, AuditQuery, Problem, Timestamp } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Prisma } from '../../db/client.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { ValidationError } from '../../lib/errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.db;

  app.get(
    '/audit-events',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['auth'],
        summary: 'The audit log, newest first',
        description:
          '`action` matches exactly, or every action under a prefix ending with a dot (`runner.`). `actor` matches ' +
          "an actor's id exactly or part of its label (an email).",
        querystring: AuditQuery,
        response: { 200: AuditEventPage, 400: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const where: Prisma.AuditEventWhereInput = {
        ...(q.actorType && { actorType: q.actorType }),
        ...(q.actor && {
          OR: [
            ...(UUID.test(q.actor) ? [{ actorId: q.actor }] : []),
            { actorLabel: { contains: q.actor, mode: 'insensitive' as const } },
          ],
        }),
        ...(q.action &&
          (q.action.endsWith('.') ? { action: { startsWith: q.action } } : { action: q.action })),
        ...(q.targetType && { targetType: q.targetType }),
        ...(q.targetId && { targetId: q.targetId }),
        ...((q.from || q.to) && {
          at: { ...(q.from && { gte: new Date(q.from) }), ...(q.to && { lt: new Date(q.to) }) },
        }),
      };
      let after: { at: Date; id: string } | undefined;
      if (q.cursor) {
        const c = decodeCursor(q.cursor, 'audit');
        // Only what this list encodes: another date (year 0, say) would reach Postgres and be refused there.
        const at = typeof c.v === 'string' && Timestamp.safeParse(c.v).success ? new Date(c.v) : null;
        if (!at || Number.isNaN(at.getTime()))
          throw new ValidationError(
            [{ path: 'query.cursor', message: 'not a cursor of this list', code: 'invalid_cursor' }],
            'The cursor is not valid.',
          );
        after = { at, id: c.id };
      }
      // The `lte` repeats what the OR implies: Postgres cannot turn the OR into an index range, so without it a
      // deep page walks the (at) index from the newest event down to the cursor.
      const pageWhere: Prisma.AuditEventWhereInput = after
        ? {
            AND: [
              where,
              { at: { lte: after.at } },
              { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] },
            ],
          }
        : where;
      const [rows, total] = await Promise.all([
        prisma.auditEvent.findMany({
          where: pageWhere,
          orderBy: [{ at: 'desc' }, { id: 'desc' }],
          take: q.limit + 1,
        }),
        prisma.auditEvent.count({ where }),
      ]);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({
          id: r.id,
          at: r.at.toISOString(),
          actorType: r.actorType,
          actorId: r.actorId,
          actorLabel: r.actorLabel,
          sourceIp: r.sourceIp,
          requestId: r.requestId,
          action: r.action,
          targetType: r.targetType,
          targetId: r.targetId,
          before: r.before ?? null,
          after: r.after ?? null,
        })),
        nextCursor:
          rows.length > q.limit && last
            ? encodeCursor({ s: 'audit', v: last.at.toISOString(), id: last.id })
            : null,
        total,
      };
    },
  );
};

export default auditRoutes;
