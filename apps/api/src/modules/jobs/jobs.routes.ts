/**
 * Job queues by tag set, the jobs in them with why a pending one cannot start, and the GitLab projects and
 * groups whose jobs Paddock reads.
 */
import {
  CreateWatchedScopeBody,
  IdParams,
  JobList,
  JobListQuery,
  Problem,
  TagSetQueueList,
  WatchedScope,
  WatchedScopeList,
  type Job,
} from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { STUCK_REASON_TEXT, stuckReason } from './matching.js';
import { jobsRepository, type JobRow } from './jobs.repository.js';
import { isPending, queuesByTagSet } from './queues.js';

/** started jobs within this window count in the wait percentiles */
const WAIT_WINDOW_MS = 60 * 60 * 1000;

const seconds = (from: Date | null, to: Date) =>
  from ? Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)) : null;

const jobsRoutes: FastifyPluginAsyncZod = async (app) => {
  const repo = jobsRepository(app.db.prisma);

  app.get(
    '/jobs/queues',
    {
      // the wall screen shows the queues too
      config: { access: 'display' },
      schema: {
        tags: ['jobs'],
        summary: 'Job queues by tag set',
        description:
          'Pending and running jobs of the watched projects and groups, grouped by tag set, with the oldest wait, ' +
          'wait percentiles (pending jobs and jobs started in the last hour) and the pending jobs no runner can ' +
          'take now, by reason. Longest waits first.',
        response: { 200: TagSetQueueList },
      },
    },
    async () => {
      const [jobs, runners, updatedAt] = await Promise.all([
        repo.jobsForQueues(WAIT_WINDOW_MS),
        repo.runnersForMatching(),
        repo.lastUpdate(),
      ]);
      const items = queuesByTagSet(
        jobs.map((j) => ({ ...j, queuedAt: j.queuedAt ?? j.createdAt })),
        runners,
        new Date(),
        WAIT_WINDOW_MS,
      );
      return { items, updatedAt: updatedAt?.toISOString() ?? null };
    },
  );

  app.get(
    '/jobs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['jobs'],
        summary: 'Pending or running jobs, with why a pending one cannot start',
        querystring: JobListQuery,
        response: { 200: JobList, 400: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const [rows, runners] = await Promise.all([repo.jobsForQueues(0), repo.runnersForMatching()]);
      const now = new Date();
      const wanted = rows
        .filter((j) => (q.status === 'pending' ? isPending(j.status) : j.status === 'running'))
        .filter((j) => q.tagSet === undefined || j.tagSetKey === q.tagSet);
      const items: Job[] = [];
      // Oldest first: the jobs that waited longest matter most.
      wanted.sort((a, b) => (a.queuedAt ?? a.createdAt).getTime() - (b.queuedAt ?? b.createdAt).getTime());
      for (const j of wanted) {
        const reason = isPending(j.status) ? stuckReason(j, runners) : null;
        if (q.stuck !== undefined && q.stuck !== (reason !== null)) continue;
        items.push(toJob(j, reason, now));
        if (items.length >= q.limit) break;
      }
      return { items };
    },
  );

  const scopeParams = z.strictObject({ id: IdParams.shape.id, scopeId: IdParams.shape.id });
  const scopeSnapshot = async (id: string) => {
    const row = await app.db.prisma.watchedScope.findUnique({ where: { id } });
    return row ? toScope(row) : null;
  };

  app.get(
    '/gitlab-instances/:id/watched-scopes',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['jobs'],
        summary: 'Projects and groups whose jobs are read from this GitLab',
        params: IdParams,
        response: { 200: WatchedScopeList, 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      await instanceOrThrow(request.params.id);
      const rows = await app.db.prisma.watchedScope.findMany({
        where: { gitlabInstanceId: request.params.id },
        orderBy: [{ kind: 'asc' }, { gitlabId: 'asc' }],
      });
      return { items: rows.map(toScope) };
    },
  );

  app.post(
    '/gitlab-instances/:id/watched-scopes',
    {
      config: {
        access: 'operator',
        audit: {
          action: 'watched_scope.create',
          targetType: 'watched_scope',
          // params.id is the GitLab instance; the target is the new scope
          targetId: (_request, body) => (body as { id?: string } | null)?.id,
          snapshot: scopeSnapshot,
        },
      },
      schema: {
        tags: ['jobs'],
        summary: 'Watch the jobs of a project or group',
        params: IdParams,
        body: CreateWatchedScopeBody,
        response: { 201: WatchedScope, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      await instanceOrThrow(request.params.id);
      const { kind, gitlabId, fullPath } = request.body;
      const existing = await app.db.prisma.watchedScope.findUnique({
        where: { gitlabInstanceId_kind_gitlabId: { gitlabInstanceId: request.params.id, kind, gitlabId } },
        select: { id: true },
      });
      if (existing) {
        throw new ConflictError(`This ${kind} is already watched.`, [
          { path: 'body.gitlabId', code: 'conflict', message: `this ${kind} is already watched` },
        ]);
      }
      const row = await app.db.prisma.watchedScope.create({
        data: { gitlabInstanceId: request.params.id, kind, gitlabId, fullPath: fullPath ?? null },
      });
      return reply.status(201).send(toScope(row));
    },
  );

  app.delete(
    '/gitlab-instances/:id/watched-scopes/:scopeId',
    {
      config: {
        access: 'operator',
        audit: {
          action: 'watched_scope.delete',
          targetType: 'watched_scope',
          targetId: (request) => (request.params as { scopeId?: string }).scopeId,
          snapshot: scopeSnapshot,
        },
      },
      schema: {
        tags: ['jobs'],
        summary: 'Stop watching a project or group',
        params: scopeParams,
        response: { 204: z.null(), 400: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const deleted = await app.db.prisma.watchedScope.deleteMany({
        where: { id: request.params.scopeId, gitlabInstanceId: request.params.id },
      });
      if (deleted.count === 0) throw new NotFoundError('Watched scope', request.params.scopeId);
      return reply.status(204).send(null);
    },
  );

  async function instanceOrThrow(id: string) {
    const found = await app.db.prisma.gitlabInstance.findUnique({ where: { id }, select: { id: true } });
    if (!found) throw new NotFoundError('GitLab instance', id);
  }
};

function toJob(j: JobRow, reason: ReturnType<typeof stuckReason>, now: Date): Job {
  const queued = j.queuedAt ?? j.createdAt;
  return {
    id: j.id,
    gitlabInstanceId: j.gitlabInstanceId,
    gitlabJobId: j.gitlabJobId,
    projectId: j.projectId,
    projectPath: j.projectPath,
    pipelineId: j.pipelineId,
    name: j.name,
    stage: j.stage,
    ref: j.ref,
    refProtected: j.refProtected,
    status: j.status,
    tags: j.tags,
    tagSetKey: j.tagSetKey,
    webUrl: j.webUrl,
    queuedAt: queued.toISOString(),
    startedAt: j.startedAt?.toISOString() ?? null,
    runnerId: j.runnerId,
    machineId: j.machineId,
    machineHostname: j.machineHostname,
    waitSeconds: j.startedAt ? seconds(queued, j.startedAt) : seconds(queued, now),
    stuckReason: reason,
    stuckText: reason ? STUCK_REASON_TEXT[reason] : null,
  };
}

function toScope(row: {
  id: string;
  gitlabInstanceId: string;
  kind: 'project' | 'group';
  gitlabId: number;
  fullPath: string | null;
  createdAt: Date;
}) {
  return { ...row, createdAt: row.createdAt.toISOString() };
}

export default jobsRoutes;
