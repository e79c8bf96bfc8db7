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

  async function tokensOf(tx: Tx, runnerIds: string[]): Promise<(runnerId: string) => string> {
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
    /** Renders a stored revision's model with current tokens (what the agent is sent). */
    async renderStored(model: unknown): Promise<string> {
      return prisma.$transaction((tx) => renderModel(tx, model as DesiredModel));
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
          for (const [runnerId, split] of budgets)
            if (split.shortfall) out.shortfalls.push({ runnerId, ...split.shortfall });
          const changed: Array<{ machineId: string; number: number; model: DesiredModel; sha: string }> = [];
          for (const machine of machines) {
            const model = buildDesiredModel(machine, budgets);
            // Keep each assignment's rendered limit visible in the API.
            for (const a of machine.assignments) {
              const r = model.runners.find((x) => x.runnerId === a.runnerId);
              const effective = r ? r.limit : 0;
              if (a.effectiveLimit !== effective) {
                await tx.assignment.update({ where: { id: a.id }, data: { effectiveLimit: effective } });
              }
            }
            const sha = sha256(await renderModel(tx, model));
            const latest = await tx.configRevision.findFirst({
              where: { machineId: machine.id },
              orderBy: { number: 'desc' },
              select: { number: true, sha256: true },
            });
            if (latest?.sha256 === sha) {
              out.unchanged.push(machine.id);
              continue;
            }
            changed.push({ machineId: machine.id, number: (latest?.number ?? 0) + 1, model, sha });
          }
          if (changed.length > 0) {
            const rollout = await tx.rollout.create({
              data: { reason, actorType: actor.type, actorId: actor.id },
            });
            out.rolloutId = rollout.id;
            for (const c of changed) {
              await tx.configRevision.create({
                data: {
                  machineId: c.machineId,
                  number: c.number,
                  rolloutId: rollout.id,
                  model: c.model as unknown as Prisma.InputJsonValue,
                  sha256: c.sha,
                  reason,
                  actorType: actor.type,
                  actorId: actor.id,
                },
              });
              await supersedeOlder(tx, c.machineId, c.number);
              await tx.machine.update({
                where: { id: c.machineId },
                data: { desiredRevision: c.number, applyError: null },
              });
              out.revisions.push({ machineId: c.machineId, revision: c.number });
            }
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
    ): Promise<RolloutResult> {
      const result = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM machines WHERE id = ${machineId}::uuid FOR UPDATE`;
        const sha = sha256(await renderModel(tx, model));
        const latest = await tx.configRevision.findFirst({
          where: { machineId },
          orderBy: { number: 'desc' },
          select: { number: true },
        });
        const number = (latest?.number ?? 0) + 1;
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
