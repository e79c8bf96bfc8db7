/**
 * Revisions: the rendered config.toml each machine should run. `sync` re-renders machines and records a new
 * revision only where the text changed, in one transaction per call, then rings the doorbell (one event for the
 * whole rollout). Budgets are recomputed first, so a fleet-budget token's shares follow its healthy machines.
 */
import { createHash } from 'node:crypto';
import type { ActorType, Prisma, PrismaClient } from '../../db/client.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { SecretBox } from '../../lib/secrets.js';
import { uuidv7 } from '../../lib/uuid.js';
import type { DesiredRevision } from '../../agent-gateway/session.js';
import { buildDesiredModel, type DesiredModel } from './desired-model.js';
import { storeModels } from './config-models.js';
import { budgetsFor, lockMachinesForModel } from './model-inputs.js';

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

/**
 * Told right after a rollout commits in this process, with each machine's new revision already rendered: the agent
 * gateway of this replica sends them at once, without waiting for the rollout's event to come back from the
 * database and reading the revisions again. Other replicas still learn of the rollout from its event.
 */
export type CommittedListener = (rolloutId: string, revisions: Map<string, DesiredRevision>) => void;

/** A new desired revision means older ones still waiting will never be applied. */
const supersedeOlder = (tx: Tx, machineId: string, number: number) =>
  tx.configRevision.updateMany({
    where: { machineId, number: { lt: number }, status: { in: ['pending', 'failed'] } },
    data: { status: 'superseded' },
  });

export function revisionsService(deps: {
  prisma: PrismaClient;
  secrets: SecretBox;
  events: EventBus;
  render: ConfigRenderer;
  /** a rollout was committed (the app's metrics count them) */
  onRollout?: (rollout: { actor: Actor; revisions: number }) => void;
  /** a CommittedListener threw */
  onListenerError?: (err: unknown) => void;
}) {
  const { prisma, secrets, events, render } = deps;
  const committedListeners = new Set<CommittedListener>();
  const committed = (rolloutId: string, revisions: Map<string, DesiredRevision>) => {
    for (const listener of committedListeners) {
      try {
        listener(rolloutId, revisions);
      } catch (err) {
        // The rollout is committed whatever a listener does: its machines still get it through the event.
        deps.onListenerError?.(err);
      }
    }
  };

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
    /** Subscribes to rollouts committed by this process (see CommittedListener); returns the unsubscribe. */
    onCommitted(listener: CommittedListener): () => void {
      committedListeners.add(listener);
      return () => committedListeners.delete(listener);
    },

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
      const texts: string[] = [];
      const sent = new Map<string, DesiredRevision>();
      const result = await prisma.$transaction(
        async (tx) => {
          await before?.(tx);
          // Locks the machines, so rollouts touching the same ones queue and revision numbers never collide.
          const machines = await lockMachinesForModel(tx, unique);
          const budgets = await budgetsFor(tx, unique);
          const out: RolloutResult = { rolloutId: null, revisions: [], unchanged: [], shortfalls: [] };
          for (const [runnerId, split] of budgets) {
            if (split.shortfall) out.shortfalls.push({ runnerId, ...split.shortfall });
          }
          const token = await tokensOf(tx, [
            ...new Set(machines.flatMap((m) => m.assignments.map((a) => a.runnerId))),
          ]);
          // A rollout usually gives many machines the same model: each distinct one is rendered and hashed once.
          const models: string[] = [];
          const modelIndex = new Map<string, { index: number; sha: string }>();
          const limits = { ids: [] as string[], values: [] as Array<number | null> };
          const changed: Array<{ machineId: string; number: number; model: number; sha: string }> = [];
          for (const machine of machines) {
            const model = buildDesiredModel(machine, budgets);
            // Keep each assignment's rendered limit visible in the API (0: left out of this machine).
            for (const a of machine.assignments) {
              const r = model.runners.find((x) => x.runnerId === a.runnerId);
              const effective = r ? r.limit : 0;
              if (a.effectiveLimit !== effective) {
                limits.ids.push(a.id);
                limits.values.push(effective);
              }
            }
            const json = JSON.stringify(model);
            let known = modelIndex.get(json);
            if (!known) {
              const text = render(model, token);
              known = { index: models.length + 1, sha: sha256(text) };
              models.push(json);
              texts.push(text);
              modelIndex.set(json, known);
            }
            if (machine.latest?.sha256 === known.sha) {
              out.unchanged.push(machine.id);
              continue;
            }
            changed.push({
              machineId: machine.id,
              number: (machine.latest?.number ?? 0) + 1,
              model: known.index,
              sha: known.sha,
            });
          }
          if (limits.ids.length > 0) {
            await tx.$executeRaw`
              UPDATE assignments a SET effective_limit = v.value, updated_at = now()
                FROM unnest(${limits.ids}::uuid[], ${limits.values}::int[]) AS v(id, value)
               WHERE a.id = v.id`;
          }
          if (changed.length > 0) {
            const rollout = await tx.rollout.create({
              data: { reason, actorType: actor.type, actorId: actor.id },
            });
            out.rolloutId = rollout.id;
            const ids = changed.map((c) => c.machineId);
            const numbers = changed.map((c) => c.number);
            // Older revisions still waiting will never be applied now.
            await tx.$executeRaw`
              UPDATE config_revisions SET status = 'superseded'
               WHERE machine_id = ANY(${ids}::uuid[]) AND status IN ('pending', 'failed')`;
            // Each distinct model is stored once; the rows name it by hash.
            const hashes = await storeModels(tx, models);
            await tx.$executeRaw`
              INSERT INTO config_revisions
                     (id, machine_id, number, rollout_id, model_hash, sha256, reason, actor_type, actor_id)
              SELECT v.id, v.machine_id, v.number, ${rollout.id}::uuid, (${hashes}::text[])[v.model],
                     v.sha256, ${reason}, ${actor.type}::"ActorType", ${actor.id}
                FROM unnest(${changed.map(() => uuidv7())}::uuid[], ${ids}::uuid[], ${numbers}::int[],
                            ${changed.map((c) => c.model)}::int[], ${changed.map((c) => c.sha)}::text[])
                     AS v(id, machine_id, number, model, sha256)`;
            await tx.$executeRaw`
              UPDATE machines m SET desired_revision = v.number, apply_error = NULL, updated_at = now()
                FROM unnest(${ids}::uuid[], ${numbers}::int[]) AS v(id, number)
               WHERE m.id = v.id`;
            for (const c of changed) {
              out.revisions.push({ machineId: c.machineId, revision: c.number });
              sent.set(c.machineId, { revision: c.number, sha256: c.sha, config: texts[c.model - 1]! });
            }
          }
          return out;
        },
        { timeout: 60_000 },
      );
      // One event for the whole rollout, however many machines: each replica reads the ids it needs.
      if (result.rolloutId) {
        deps.onRollout?.({ actor, revisions: result.revisions.length });
        committed(result.rolloutId, sent);
        await events.publish({ topic: 'rollout.created', rolloutId: result.rolloutId });
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
      let desired: DesiredRevision | undefined;
      const result = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM machines WHERE id = ${machineId}::uuid FOR UPDATE`;
        const text = await renderModel(tx, model);
        const sha = sha256(text);
        const latest = await tx.configRevision.findFirst({
          where: { machineId },
          orderBy: { number: 'desc' },
          select: { number: true },
        });
        const number = Math.max(latest?.number ?? 0, above) + 1;
        const [modelHash] = await storeModels(tx, [JSON.stringify(model)]);
        const rollout = await tx.rollout.create({
          data: { reason, actorType: actor.type, actorId: actor.id },
        });
        await tx.configRevision.create({
          data: {
            machineId,
            number,
            rolloutId: rollout.id,
            modelHash: modelHash!,
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
        desired = { revision: number, sha256: sha, config: text };
        return {
          rolloutId: rollout.id,
          revisions: [{ machineId, revision: number }],
          unchanged: [],
          shortfalls: [],
        };
      });
      deps.onRollout?.({ actor, revisions: 1 });
      if (desired) committed(result.rolloutId, new Map([[machineId, desired]]));
      await events.publish({ topic: 'rollout.created', rolloutId: result.rolloutId });
      return result;
    },

    /** Records the desired settings again under a number above `above` (see RevisionSource.renumber). */
    async renumber(machineId: string, above: number): Promise<void> {
      const row = await prisma.configRevision.findFirst({
        where: { machineId },
        orderBy: { number: 'desc' },
        select: { configModel: { select: { model: true } } },
      });
      if (!row) return;
      await this.record(
        machineId,
        row.configModel.model as unknown as DesiredModel,
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
