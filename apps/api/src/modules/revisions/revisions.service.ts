/**
 * Revisions: the rendered config.toml each machine should run. `sync` re-renders machines and records a new
 * revision only where the text changed, in one transaction per call, then rings the doorbell (one event for the
 * whole rollout). Budgets are recomputed first, so a fleet-budget token's shares follow its healthy machines.
 */
import { createHash } from 'node:crypto';
import type { ActorType, Prisma, PrismaClient } from '../../db/client.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { SecretBox } from '../../lib/secrets.js';
import { splitBudget, type BudgetSplit } from '../limits/budget.js';
import { buildDesiredModel, machineForModelInclude, type DesiredModel } from './desired-model.js';

/** Renders a desired model to config.toml text; `token(runnerId)` gives a runner's plaintext token. */
export type ConfigRenderer = (model: DesiredModel, token: (runnerId: string) => string) => string;

export interface Actor {
  type: ActorType;
  id: string | null;
}

export interface RolloutResult {
  rolloutId: string | null;
  /** machines that got a new revision */
  revisions: Array<{ machineId: string; revision: number }>;
  /** machines whose config did not change */
  unchanged: string[];
  /** fleet budgets smaller than their healthy machine count */
  shortfalls: Array<{ runnerId: string; healthy: number; budget: number }>;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Tx = Prisma.TransactionClient;

/** A new desired revision means older ones still waiting will never be applied. */
const supersedeOlder = (tx: Tx, machineId: string, number: number) =>
  tx.configRevision.updateMany({
    where: { machineId, number: { lt: number }, status: { in: ['pending', 'failed'] } },
    data: { status: 'superseded' },
  });

/** Shares of every fleet-budget token assigned to these machines, over all of the token's machines. */
async function budgetsFor(tx: Tx, machineIds: string[]): Promise<Map<string, BudgetSplit>> {
  const tokens = await tx.runnerToken.findMany({
    where: {
      limitMode: 'fleet_budget',
      runner: { assignments: { some: { machineId: { in: machineIds } } } },
    },
    select: {
      runnerId: true,
      limitValue: true,
      runner: {
        select: {
          assignments: {
            select: {
              machineId: true,
              machine: { select: { connectionState: true, drainingSince: true, cpuCount: true } },
            },
          },
        },
      },
    },
  });
  const out = new Map<string, BudgetSplit>();
  for (const t of tokens) {
    out.set(
      t.runnerId,
      splitBudget(
        t.limitValue,
        t.runner.assignments.map((a) => ({
          id: a.machineId,
          capacity: a.machine.cpuCount ?? 1,
          healthy: a.machine.connectionState === 'online' && a.machine.drainingSince === null,
        })),
      ),
    );
  }
  return out;
}

export function revisionsService(deps: {
  prisma: PrismaClient;
  secrets: SecretBox;
  events: EventBus;
  render: ConfigRenderer;
}) {
  const { prisma, secrets, events, render } = deps;

  async function tokensOf(tx: Tx | PrismaClient, runnerIds: string[]): Promise<(runnerId: string) => string> {
    const rows = await tx.runnerToken.findMany({
      where: { runnerId: { in: runnerIds } },
      select: { runnerId: true, ciphertext: true },
    });
    const plain = new Map(rows.map((r) => [r.runnerId, secrets.decrypt(r.ciphertext, 'runner-token')]));
    return (runnerId) => {
      const t = plain.get(runnerId);
      if (t === undefined) throw new Error(`runner ${runnerId} has no token`);
      return t;
    };
  }

  const renderModel = async (tx: Tx, model: DesiredModel) =>
    render(
      model,
      await tokensOf(
        tx,
        model.runners.map((r) => r.runnerId),
      ),
    );

  return {
    /** Renders stored revisions' models with current tokens (what agents are sent), decrypting each token once. */
    async renderStored(models: DesiredModel[]): Promise<string[]> {
      const runnerIds = [...new Set(models.flatMap((m) => m.runners.map((r) => r.runnerId)))];
      const token = await tokensOf(prisma, runnerIds);
      return models.map((m) => render(m, token));
    },

    /** Renders a model with every token replaced by a mask showing its last four characters (for people). */
    async renderMasked(model: unknown): Promise<string> {
      const m = model as DesiredModel;
      const rows = await prisma.runnerToken.findMany({
        where: { runnerId: { in: m.runners.map((r) => r.runnerId) } },
        select: { runnerId: true, last4: true },
      });
      const last = new Map(rows.map((r) => [r.runnerId, r.last4]));
      return render(m, (runnerId) => `[masked …${last.get(runnerId) ?? '????'}]`);
    },

    /** Re-renders these machines; records and announces a revision for each whose text changed. */
    async sync(
      machineIds: string[],
      reason: string,
      actor: Actor,
      /** a change to make in the same transaction, before rendering (e.g. the new limit) */
      before?: (tx: Tx) => Promise<void>,
    ): Promise<RolloutResult> {
      const unique = [...new Set(machineIds)];
      const result = await prisma.$transaction(
        async (tx) => {
          await before?.(tx);
          // Serialise rollouts touching the same machines, so revision numbers never collide.
          await tx.$queryRaw`SELECT id FROM machines WHERE id = ANY(${unique}::uuid[]) ORDER BY id FOR UPDATE`;
          const budgets = await budgetsFor(tx, unique);
          const machines = await tx.machine.findMany({
            where: { id: { in: unique } },
            include: machineForModelInclude,
          });
          const out: RolloutResult = { rolloutId: null, revisions: [], unchanged: [], shortfalls: [] };
          for (const [runnerId, split] of budgets) {
            if (split.shortfall) out.shortfalls.push({ runnerId, ...split.shortfall });
          }
          // Everything is read and written in bulk: a fleet-wide change is a handful of queries, not several
          // per machine.
          const token = await tokensOf(tx, [
            ...new Set(machines.flatMap((m) => m.assignments.map((a) => a.runnerId))),
          ]);
          const latestRows = await tx.$queryRaw<
            Array<{ machine_id: string; number: number; sha256: string }>
          >`
            SELECT DISTINCT ON (machine_id) machine_id, number, sha256 FROM config_revisions
             WHERE machine_id = ANY(${unique}::uuid[]) ORDER BY machine_id, number DESC`;
          const latest = new Map(latestRows.map((r) => [r.machine_id, r]));
          const limitUpdates = new Map<number | null, string[]>();
          const changed: Array<{ machineId: string; number: number; model: DesiredModel; sha: string }> = [];
          for (const machine of machines) {
            const model = buildDesiredModel(machine, budgets);
            // Keep each assignment's rendered limit visible in the API (0: left out of this machine).
            for (const a of machine.assignments) {
              const r = model.runners.find((x) => x.runnerId === a.runnerId);
              const effective = r ? r.limit : 0;
              if (a.effectiveLimit !== effective) {
                limitUpdates.set(effective, [...(limitUpdates.get(effective) ?? []), a.id]);
              }
            }
            const sha = sha256(render(model, token));
            const last = latest.get(machine.id);
            if (last?.sha256 === sha) {
              out.unchanged.push(machine.id);
              continue;
            }
            changed.push({ machineId: machine.id, number: (last?.number ?? 0) + 1, model, sha });
          }
          for (const [effectiveLimit, ids] of limitUpdates) {
            await tx.assignment.updateMany({ where: { id: { in: ids } }, data: { effectiveLimit } });
          }
          if (changed.length > 0) {
            const rollout = await tx.rollout.create({
              data: { reason, actorType: actor.type, actorId: actor.id },
            });
            out.rolloutId = rollout.id;
            const ids = changed.map((c) => c.machineId);
            // Older revisions still waiting will never be applied now.
            await tx.configRevision.updateMany({
              where: { machineId: { in: ids }, status: { in: ['pending', 'failed'] } },
              data: { status: 'superseded' },
            });
            await tx.configRevision.createMany({
              data: changed.map((c) => ({
                machineId: c.machineId,
                number: c.number,
                rolloutId: rollout.id,
                model: c.model as unknown as Prisma.InputJsonValue,
                sha256: c.sha,
                reason,
                actorType: actor.type,
                actorId: actor.id,
              })),
            });
            await tx.$executeRaw`
              UPDATE machines m SET desired_revision = v.number, apply_error = NULL, updated_at = now()
                FROM (SELECT unnest(${ids}::uuid[]) AS id, unnest(${changed.map((c) => c.number)}::int[]) AS number) v
               WHERE m.id = v.id`;
            for (const c of changed) out.revisions.push({ machineId: c.machineId, revision: c.number });
          }
          return out;
        },
        { timeout: 60_000 },
      );
      if (result.revisions.length > 0) {
        await events.publish({
          topic: 'machines.reconcile',
          machineIds: result.revisions.map((r) => r.machineId),
        });
      }
      return result;
    },

    /**
     * Records a revision with an explicit model, whatever the latest one is: a rollback (an older revision's
     * model, rendered with current tokens) or a restore after drift (the desired model again).
     */
    async record(
      machineId: string,
      model: DesiredModel,
      reason: string,
      actor: Actor,
      rollbackOf: number | null = null,
      /** the new revision's number must be above this one */
      above = 0,
    ): Promise<RolloutResult> {
      const result = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM machines WHERE id = ${machineId}::uuid FOR UPDATE`;
        const sha = sha256(await renderModel(tx, model));
        const latest = await tx.configRevision.findFirst({
          where: { machineId },
          orderBy: { number: 'desc' },
          select: { number: true },
        });
        const number = Math.max(latest?.number ?? 0, above) + 1;
        const rollout = await tx.rollout.create({
          data: { reason, actorType: actor.type, actorId: actor.id },
        });
        await tx.configRevision.create({
          data: {
            machineId,
            number,
            rolloutId: rollout.id,
            model: model as unknown as Prisma.InputJsonValue,
            sha256: sha,
            reason,
            actorType: actor.type,
            actorId: actor.id,
            rollbackOf,
          },
        });
        await supersedeOlder(tx, machineId, number);
        await tx.machine.update({
          where: { id: machineId },
          data: { desiredRevision: number, applyError: null },
        });
        return {
          rolloutId: rollout.id,
          revisions: [{ machineId, revision: number }],
          unchanged: [],
          shortfalls: [],
        };
      });
      await events.publish({ topic: 'machines.reconcile', machineIds: [machineId] });
      return result;
    },

    /** Records the desired settings again under a number above `above` (see RevisionSource.renumber). */
    async renumber(machineId: string, above: number): Promise<void> {
      const row = await prisma.configRevision.findFirst({
        where: { machineId },
        orderBy: { number: 'desc' },
        select: { model: true },
      });
      if (!row) return;
      await this.record(
        machineId,
        row.model as unknown as DesiredModel,
        'renumbered above the revision the agent reported',
        { type: 'system', id: null },
        null,
        above,
      );
    },

    /**
     * After machines came online or went away: re-split the fleet budgets they take part in and push the
     * machines whose share changed.
     */
    async rebalance(machineIds: string[]): Promise<RolloutResult | null> {
      const peers = await prisma.assignment.findMany({
        where: {
          runner: {
            token: { limitMode: 'fleet_budget' },
            assignments: { some: { machineId: { in: machineIds } } },
          },
        },
        select: { machineId: true },
      });
      if (peers.length === 0) return null;
      return this.sync(
        peers.map((p) => p.machineId),
        'fleet budget re-split',
        { type: 'system', id: null },
      );
    },

    /** Machines a runner is assigned to. */
    async machinesOfRunner(runnerId: string): Promise<string[]> {
      const rows = await prisma.assignment.findMany({ where: { runnerId }, select: { machineId: true } });
      return rows.map((r) => r.machineId);
    },
  };
}
export type RevisionsService = ReturnType<typeof revisionsService>;
