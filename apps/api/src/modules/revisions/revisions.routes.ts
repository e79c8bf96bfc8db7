/**
 * A machine's revisions over REST: history, one revision's config.toml and diffs (tokens masked), rollback,
 * restore after drift, drain and resume; and the state of a rollout, machine by machine.
 */
import {
  IdParams,
  Problem,
  RevisionDetail,
  RevisionDiff,
  RevisionDiffQuery,
  RevisionList,
  RevisionParams,
  Rollout,
  RolloutStatus,
  type Revision,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { unifiedDiff } from '../../lib/text-diff.js';
import { machinesRepository } from '../machines/machines.repository.js';
import { machinesService } from '../machines/machines.service.js';
import type { DesiredModel } from './desired-model.js';
import { rolloutStatus } from './rollout-status.js';

type RevisionRow = {
  number: number;
  sha256: string;
  reason: string;
  actorType: Revision['actorType'];
  actorId: string | null;
  status: Revision['status'];
  rollbackOf: number | null;
  rolloutId: string | null;
  createdAt: Date;
  appliedAt: Date | null;
  error: string | null;
};

const toRevision = (r: RevisionRow): Revision => ({
  number: r.number,
  sha256: r.sha256,
  reason: r.reason,
  actorType: r.actorType,
  actorId: r.actorId,
  status: r.status,
  rollbackOf: r.rollbackOf,
  rolloutId: r.rolloutId,
  createdAt: r.createdAt.toISOString(),
  appliedAt: r.appliedAt?.toISOString() ?? null,
  error: r.error,
});

const revisionsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.db;
  const revisions = app.revisions;
  const tags = ['machines'];
  const machines = machinesService({ repo: machinesRepository(prisma) });
  // every change here is recorded against the machine, whose desired revision and drain state it moves
  const machineAudit = (action: string) => ({
    action,
    targetType: 'machine',
    snapshot: (id: string) => machines.get(id),
  });

  const machineOr404 = async (id: string) => {
    const m = await prisma.machine.findUnique({
      where: { id },
      select: { id: true, desiredRevision: true, drainingSince: true },
    });
    if (!m) throw new NotFoundError('Machine', id);
    return m;
  };
  const revisionOr404 = async (machineId: string, number: number) => {
    const r = await prisma.configRevision.findUnique({
      where: { machineId_number: { machineId, number } },
      include: { configModel: { select: { model: true } } },
    });
    if (!r) throw new NotFoundError(`Revision ${number} of machine`, machineId);
    return r;
  };

  app.get(
    '/machines/:id/revisions',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: "A machine's revisions, newest first",
        params: IdParams,
        response: { 200: RevisionList, 404: Problem },
      },
    },
    async (request) => {
      await machineOr404(request.params.id);
      const rows = await prisma.configRevision.findMany({
        where: { machineId: request.params.id },
        orderBy: { number: 'desc' },
        take: 200,
      });
      return { items: rows.map(toRevision) };
    },
  );

  app.get(
    '/machines/:id/revisions/:number',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'One revision with its config.toml (tokens masked)',
        params: RevisionParams,
        response: { 200: RevisionDetail, 404: Problem },
      },
    },
    async (request) => {
      const row = await revisionOr404(request.params.id, request.params.number);
      return { ...toRevision(row), config: await revisions.renderMasked(row.configModel.model) };
    },
  );

  app.get(
    '/machines/:id/revisions/:number/diff',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary:
          'Unified diff of a revision against another (default: the newest older one kept), tokens masked',
        params: RevisionParams,
        querystring: RevisionDiffQuery,
        response: { 200: RevisionDiff, 404: Problem },
      },
    },
    async (request) => {
      const { id, number } = request.params;
      const to = await revisionOr404(id, number);
      // By default the revision before it, or the nearest older one still kept (retention prunes old ones).
      const from =
        request.query.against !== undefined
          ? await revisionOr404(id, request.query.against)
          : await prisma.configRevision.findFirst({
              where: { machineId: id, number: { lt: number } },
              orderBy: { number: 'desc' },
              include: { configModel: { select: { model: true } } },
            });
      const before = from ? await revisions.renderMasked(from.configModel.model) : '';
      const after = await revisions.renderMasked(to.configModel.model);
      return {
        from: from?.number ?? null,
        to: to.number,
        diff: unifiedDiff(before, after, {
          from: from ? `revision ${from.number}` : 'nothing',
          to: `revision ${to.number}`,
        }),
      };
    },
  );

  app.post(
    '/machines/:id/revisions/:number/rollback',
    {
      config: { access: 'operator', audit: machineAudit('revision.rollback') },
      schema: {
        tags,
        summary:
          "Roll back: a new revision with an older revision's settings (and the runners' current tokens)",
        params: RevisionParams,
        response: { 200: Rollout, 404: Problem },
      },
    },
    async (request) => {
      const { id, number } = request.params;
      await machineOr404(id);
      const row = await revisionOr404(id, number);
      return revisions.record(
        id,
        row.configModel.model as unknown as DesiredModel,
        `rollback to revision ${number}`,
        request.actor,
        number,
      );
    },
  );

  app.post(
    '/machines/:id/restore',
    {
      config: { access: 'operator', audit: machineAudit('revision.restore') },
      schema: {
        tags,
        summary: 'Push the desired revision again, overwriting changes made on the host (drift)',
        params: IdParams,
        response: { 200: Rollout, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      const m = await machineOr404(request.params.id);
      if (m.desiredRevision === 0) throw new ConflictError('This machine has no revision to restore yet.');
      const row = await revisionOr404(m.id, m.desiredRevision);
      return revisions.record(
        m.id,
        row.configModel.model as unknown as DesiredModel,
        'restore after drift',
        request.actor,
      );
    },
  );

  for (const action of ['drain', 'resume'] as const) {
    app.post(
      `/machines/:id/${action}`,
      {
        config: { access: 'operator', audit: machineAudit(`machine.${action}`) },
        schema: {
          tags,
          summary:
            action === 'drain'
              ? 'Drain: stop taking new jobs (running jobs finish) by removing the runners from config.toml'
              : 'Resume taking jobs after a drain',
          params: IdParams,
          response: { 200: Rollout, 404: Problem },
        },
      },
      async (request) => {
        const m = await machineOr404(request.params.id);
        await prisma.machine.update({
          where: { id: m.id },
          data: { drainingSince: action === 'drain' ? (m.drainingSince ?? new Date()) : null },
        });
        // The machine's share of any fleet budget moves to its peers while it drains, and back on resume.
        const result = await revisions.sync([m.id], action, request.actor);
        await revisions.rebalance([m.id]);
        return result;
      },
    );
  }

  app.get(
    '/rollouts/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Where a rollout stands, machine by machine',
        params: IdParams,
        response: { 200: RolloutStatus, 404: Problem },
      },
    },
    async (request) => {
      const status = await rolloutStatus(prisma, request.params.id);
      if (!status) throw new NotFoundError('Rollout', request.params.id);
      return status;
    },
  );
};

export default revisionsRoutes;
