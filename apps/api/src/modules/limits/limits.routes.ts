/**
 * A runner token's job limit: per machine (the same `limit` everywhere, with per-machine overrides) or a fleet
 * budget split across the runner's healthy machines. The change and the new revisions commit together; the
 * response lists the rollout.
 */
import { IdParams, Problem, Rollout, UpdateTokenLimitsBody } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';

const limitsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.db;
  // What the change is about: the token's limit settings and the machines with an override. Not the whole runner
  // with every assigned machine, which at thousands of machines cost more than the rollout itself, twice.
  const limitSnapshot = async (id: string) => {
    const token = await prisma.runnerToken.findUnique({
      where: { runnerId: id },
      select: { limitMode: true, limitValue: true, requestConcurrency: true },
    });
    if (!token) return null;
    const overrides = await prisma.assignment.findMany({
      where: { runnerId: id, limitOverride: { not: null } },
      select: { machineId: true, limitOverride: true },
      orderBy: { machineId: 'asc' },
    });
    return {
      runnerId: id,
      limitMode: token.limitMode,
      limit: token.limitValue > 0 ? token.limitValue : null,
      requestConcurrency: token.requestConcurrency,
      overrides: overrides.map((o) => ({ machineId: o.machineId, limit: o.limitOverride })),
    };
  };

  app.patch(
    '/runners/:id/token',
    {
      config: {
        access: 'operator',
        audit: { action: 'token_limit.update', targetType: 'runner', snapshot: limitSnapshot },
      },
      schema: {
        tags: ['runners'],
        summary: "Change a runner token's job limit and push it to the runner's machines",
        description:
          '`limit: null` means unlimited (per machine only). In `fleet_budget` mode `limit` is the total, split ' +
          'across healthy machines by capacity and re-split when one goes offline, drains or returns. Overrides ' +
          'set one machine’s limit in per-machine mode.',
        params: IdParams,
        body: UpdateTokenLimitsBody,
        response: { 200: Rollout, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      const runner = await prisma.runner.findUnique({
        where: { id: request.params.id },
        include: { token: true, assignments: { select: { machineId: true } } },
      });
      if (!runner) throw new NotFoundError('Runner', request.params.id);
      if (!runner.token)
        throw new ConflictError('This runner has no token in Paddock, so it runs on no machine.');
      const body = request.body;
      const mode = body.limitMode ?? runner.token.limitMode;
      const limit =
        body.limit === undefined
          ? runner.token.limitValue > 0
            ? runner.token.limitValue
            : null
          : body.limit;
      if (mode === 'fleet_budget' && limit === null) {
        throw new ValidationError([
          {
            path: 'body.limit',
            message: 'a fleet budget is a number of jobs, not unlimited',
            code: 'required',
          },
        ]);
      }
      const assigned = new Set(runner.assignments.map((a) => a.machineId));
      const errors = (body.overrides ?? []).flatMap((o, i) =>
        assigned.has(o.machineId)
          ? []
          : [
              {
                path: `body.overrides.${i}.machineId`,
                message: 'this runner is not assigned to that machine',
                code: 'not_assigned',
              },
            ],
      );
      if (body.overrides?.length && mode === 'fleet_budget') {
        errors.push({
          path: 'body.overrides',
          message: 'overrides apply in per_machine mode only',
          code: 'invalid_mode',
        });
      }
      if (errors.length) throw new ValidationError(errors);

      return app.revisions.sync(
        [...assigned],
        `token limit: ${mode === 'fleet_budget' ? `fleet budget ${limit}` : `${limit ?? 'unlimited'} per machine`}`,
        request.actor,
        async (tx) => {
          await tx.runnerToken.update({
            where: { runnerId: runner.id },
            data: {
              limitMode: mode,
              limitValue: limit ?? 0,
              ...(body.requestConcurrency !== undefined && { requestConcurrency: body.requestConcurrency }),
            },
          });
          for (const o of body.overrides ?? []) {
            await tx.assignment.update({
              where: { runnerId_machineId: { runnerId: runner.id, machineId: o.machineId } },
              data: { limitOverride: o.limit },
            });
          }
        },
      );
    },
  );
};

export default limitsRoutes;
