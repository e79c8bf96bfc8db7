/**
 * Revisions and token limits through the REST API on a real database. The renderer is swapped for a JSON one
 * through buildApp's seam: what is tested here is when revisions are made and what they hold, not the TOML text
 * (packages/runner-config's own tests cover that, and the gateway tests cover delivery).
 */
import type { Rollout } from '@paddock/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../app.js';
import { authenticateInjects } from '../../../test/support/auth.js';
import { factories } from '../../../test/support/factories.js';
import { databaseFingerprint, testEnv, useTestApp } from '../../../test/support/test-db.js';
import type { DesiredModel } from './desired-model.js';
import { sha256, type ConfigRenderer } from './revisions.service.js';

const ctx = useTestApp();
let app: App;

const jsonRenderer: ConfigRenderer = (model, token) =>
  `${JSON.stringify({ ...model, runners: model.runners.map((r) => ({ ...r, token: token(r.runnerId) })) }, null, 2)}\n`;

const TOKEN = 'glrt-t1_RevisionSecret000001';
let runnerId: string;
const machineIds: string[] = [];

beforeAll(async () => {
  app = await buildApp({
    env: testEnv(),
    db: ctx.db,
    secrets: ctx.secrets,
    render: jsonRenderer,
    logger: false,
  });
  authenticateInjects(app, ctx.admin.bearer);
  const f = factories(ctx.db, ctx.secrets);
  const gl = await f.gitlabInstance({ url: 'https://gitlab.revisions.example.com' });
  const runner = await f.runner(gl.id, { description: 'docker', tags: ['docker'] }, TOKEN);
  runnerId = runner.id;
  for (const [i, cpu] of [2, 2, 4].entries()) {
    const m = await f.machine({ hostname: `rev-${i}`, connectionState: 'online', cpuCount: cpu });
    machineIds.push(m.id);
    await f.assign(runner.id, m.id);
  }
});

const patchToken = (body: Record<string, unknown>) =>
  app.inject({ method: 'PATCH', url: `/api/v1/runners/${runnerId}/token`, payload: body });

async function desiredModel(machineId: string): Promise<DesiredModel> {
  const m = await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id: machineId } });
  const row = await ctx.db.prisma.configRevision.findUniqueOrThrow({
    where: { machineId_number: { machineId, number: m.desiredRevision } },
    include: { configModel: true },
  });
  return row.configModel.model as unknown as DesiredModel;
}

const limitOn = async (machineId: string) => (await desiredModel(machineId)).runners[0]?.limit;

describe('revisions', () => {
  it('are made only when the rendered config changes, and hold no token', async () => {
    const first = await app.revisions.sync(machineIds, 'initial', { type: 'system', id: null });
    expect(first.revisions.map((r) => r.revision)).toEqual([1, 1, 1]);
    const again = await app.revisions.sync(machineIds, 'again', { type: 'system', id: null });
    expect(again.revisions).toEqual([]);
    expect(again.unchanged.sort()).toEqual([...machineIds].sort());
    const rows = await ctx.db.prisma.configRevision.findMany({ where: { machineId: { in: machineIds } } });
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
    expect(await limitOn(machineIds[0]!)).toBe(4);
  });

  it('are listed, shown with tokens masked, and diffed', async () => {
    const res = await patchToken({ limit: 2 });
    expect(res.statusCode, res.body).toBe(200);
    const list = await app.inject(`/api/v1/machines/${machineIds[0]}/revisions`);
    expect(list.json().items.map((r: { number: number }) => r.number)).toEqual([2, 1]);
    const detail = await app.inject(`/api/v1/machines/${machineIds[0]}/revisions/2`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain(TOKEN);
    expect(detail.json().config).toContain('[masked …0001]');
    const diff = await app.inject(`/api/v1/machines/${machineIds[0]}/revisions/2/diff`);
    expect(diff.json()).toMatchObject({ from: 1, to: 2 });
    expect(diff.json().diff).toContain('-      "limit": 4,');
    expect(diff.json().diff).toContain('+      "limit": 2,');
    expect(diff.body).not.toContain(TOKEN);
    expect((await app.inject(`/api/v1/machines/${machineIds[0]}/revisions/99`)).statusCode).toBe(404);
  });

  it('are numbered one after the other when two renders of the same machines run at once', async () => {
    for (let round = 0; round < 5; round += 1) {
      // Something changed, and two requests render it at the same moment: the second waits for the first's lock
      // and must then see the revision it wrote.
      await ctx.db.prisma.runnerToken.update({ where: { runnerId }, data: { limitValue: 30 + round } });
      const actor = { type: 'system' as const, id: null };
      const results = await Promise.allSettled([
        app.revisions.sync(machineIds, 'first', actor),
        app.revisions.sync(machineIds, 'second', actor),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    }
    const numbers = (
      await ctx.db.prisma.configRevision.findMany({
        where: { machineId: machineIds[0]! },
        orderBy: { number: 'asc' },
      })
    ).map((r) => r.number);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
  });

  it('are diffed against the nearest older revision still kept once older ones were pruned', async () => {
    const machineId = machineIds[1]!;
    expect((await patchToken({ limit: 5 })).statusCode).toBe(200);
    const newest = await ctx.db.prisma.configRevision.findFirstOrThrow({
      where: { machineId },
      orderBy: { number: 'desc' },
    });
    // Retention took the one just before the newest.
    await ctx.db.prisma.configRevision.delete({
      where: { machineId_number: { machineId, number: newest.number - 1 } },
    });
    const diff = await app.inject(`/api/v1/machines/${machineId}/revisions/${newest.number}/diff`);
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json()).toMatchObject({ from: newest.number - 2, to: newest.number });
    // Asked for by number, a pruned revision is still a 404.
    const gone = await app.inject(
      `/api/v1/machines/${machineId}/revisions/${newest.number}/diff?against=${newest.number - 1}`,
    );
    expect(gone.statusCode).toBe(404);
  });

  it('store each distinct model once, named by the sha256 of its jsonb text, however many machines share it', async () => {
    const before = await ctx.db.prisma.configModel.count();
    const res = await patchToken({ limit: 6, overrides: [{ machineId: machineIds[2], limit: 8 }] });
    const rollout: Rollout = res.json();
    const rows = await ctx.db.prisma.configRevision.findMany({
      where: { rolloutId: rollout.rolloutId! },
      include: { configModel: true },
      orderBy: { machineId: 'asc' },
    });
    expect(rows).toHaveLength(3);
    // Two machines run the same model (limit 6); the third has its own (its override, 8).
    expect(new Set(rows.map((r) => r.modelHash)).size).toBe(2);
    expect(await ctx.db.prisma.configModel.count()).toBe(before + 2);
    for (const r of rows) {
      const [named] = await ctx.db.prisma.$queryRaw<Array<{ hash: string }>>`
        SELECT encode(sha256(convert_to(${JSON.stringify(r.configModel.model)}::jsonb::text, 'UTF8')), 'hex') AS hash`;
      expect(r.modelHash).toBe(named!.hash);
    }
    // Back to where the earlier tests left the limits.
    await patchToken({ limit: 5, overrides: [{ machineId: machineIds[2], limit: null }] });
  });
});

describe('token limits', () => {
  it('per machine: the same limit everywhere, with overrides, or explicitly unlimited', async () => {
    const res = await patchToken({
      limitMode: 'per_machine',
      limit: 3,
      overrides: [{ machineId: machineIds[2], limit: 6 }],
    });
    const rollout: Rollout = res.json();
    expect(rollout.revisions).toHaveLength(3);
    expect(rollout.rolloutId).not.toBeNull();
    expect([await limitOn(machineIds[0]!), await limitOn(machineIds[2]!)]).toEqual([3, 6]);

    await patchToken({ limit: null, overrides: [{ machineId: machineIds[2], limit: null }] });
    expect(await limitOn(machineIds[0]!)).toBeNull();
    const detail = (await app.inject(`/api/v1/runners/${runnerId}`)).json();
    expect(detail.token).toMatchObject({ limitMode: 'per_machine', limitValue: 0 });

    const status = await app.inject(`/api/v1/rollouts/${rollout.rolloutId}`);
    expect(status.json().machines).toHaveLength(3);
    expect(status.json().machines[0]).toMatchObject({ status: 'superseded' });
  });

  it('fleet budget: split by capacity over healthy machines, summing to the budget', async () => {
    const res = await patchToken({ limitMode: 'fleet_budget', limit: 8 });
    expect(res.statusCode, res.body).toBe(200);
    const shares = await Promise.all(machineIds.map(limitOn));
    expect(shares.reduce((s, v) => s! + v!, 0)).toBe(8);
    expect(shares).toEqual([2, 2, 4]);
    const assignments = await ctx.db.prisma.assignment.findMany({
      where: { runnerId },
      orderBy: { machineId: 'asc' },
    });
    expect(assignments.map((a) => a.effectiveLimit).sort()).toEqual([2, 2, 4]);
  });

  it('fleet budget: re-split when a machine goes offline, and again when it returns', async () => {
    await ctx.db.prisma.machine.update({
      where: { id: machineIds[2] },
      data: { connectionState: 'offline' },
    });
    const rollout = await app.revisions.rebalance([machineIds[2]!]);
    expect(rollout?.revisions.length).toBe(3);
    expect(await Promise.all(machineIds.map(limitOn))).toEqual([4, 4, undefined]);
    expect((await desiredModel(machineIds[2]!)).runners).toEqual([]);

    await ctx.db.prisma.machine.update({ where: { id: machineIds[2] }, data: { connectionState: 'online' } });
    await app.revisions.rebalance([machineIds[2]!]);
    expect(await Promise.all(machineIds.map(limitOn))).toEqual([2, 2, 4]);
  });

  it('fleet budget smaller than the healthy machines: says so and leaves the runner out where the share is 0', async () => {
    const res = await patchToken({ limit: 2 });
    expect(res.json().shortfalls).toEqual([{ runnerId, healthy: 3, budget: 2 }]);
    const shares = await Promise.all(machineIds.map(limitOn));
    expect(shares.filter((s) => s === 1)).toHaveLength(2);
    expect(shares.filter((s) => s === undefined)).toHaveLength(1);
  });

  it('refuses an unlimited fleet budget and overrides on machines the runner does not run on', async () => {
    const other = await factories(ctx.db, ctx.secrets).machine();
    for (const [body, path] of [
      [{ limitMode: 'fleet_budget', limit: null }, 'body.limit'],
      [
        { limitMode: 'per_machine', overrides: [{ machineId: other.id, limit: 1 }] },
        'body.overrides.0.machineId',
      ],
      [{ limit: 0 }, 'body.limit'],
      [{ limitMode: 'sometimes' }, 'body.limitMode'],
      [{}, 'body'],
    ] as const) {
      const before = await databaseFingerprint(ctx.db);
      const res = await patchToken(body as Record<string, unknown>);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await databaseFingerprint(ctx.db)).toEqual(before);
    }
  });
});

describe('drain, resume, rollback and restore', () => {
  it('drain removes the runners and moves the budget to the others; resume brings both back', async () => {
    await patchToken({ limitMode: 'fleet_budget', limit: 8 });
    const drained = await app.inject({ method: 'POST', url: `/api/v1/machines/${machineIds[0]}/drain` });
    expect(drained.statusCode, drained.body).toBe(200);
    const model = await desiredModel(machineIds[0]!);
    expect(model.draining).toBe(true);
    expect(model.runners).toEqual([]);
    expect((await limitOn(machineIds[1]!))! + (await limitOn(machineIds[2]!))!).toBe(8);
    expect((await app.inject(`/api/v1/machines/${machineIds[0]}`)).json().drainingSince).not.toBeNull();

    await app.inject({ method: 'POST', url: `/api/v1/machines/${machineIds[0]}/resume` });
    expect((await desiredModel(machineIds[0]!)).draining).toBe(false);
    expect(await Promise.all(machineIds.map(limitOn))).toEqual([2, 2, 4]);
  });

  it('rollback makes a new revision with the old settings; restore pushes the desired one again', async () => {
    const id = machineIds[1]!;
    const before = (await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id } })).desiredRevision;
    const rolled = await app.inject({ method: 'POST', url: `/api/v1/machines/${id}/revisions/1/rollback` });
    expect(rolled.statusCode, rolled.body).toBe(200);
    const row = await ctx.db.prisma.configRevision.findUniqueOrThrow({
      where: { machineId_number: { machineId: id, number: before + 1 } },
    });
    expect(row.rollbackOf).toBe(1);
    expect(await limitOn(id)).toBe(4);

    const restored = await app.inject({ method: 'POST', url: `/api/v1/machines/${id}/restore` });
    expect(restored.json().revisions).toEqual([{ machineId: id, revision: before + 2 }]);
    const [a, b] = await ctx.db.prisma.configRevision.findMany({
      where: { machineId: id, number: { in: [before + 1, before + 2] } },
      orderBy: { number: 'asc' },
    });
    expect(b!.sha256).toBe(a!.sha256);
    expect(b!.reason).toBe('restore after drift');

    const fresh = await factories(ctx.db, ctx.secrets).machine();
    expect(
      (await app.inject({ method: 'POST', url: `/api/v1/machines/${fresh.id}/restore` })).statusCode,
    ).toBe(409);
  });
});

describe('who did it', () => {
  it('records the caller in the revision and in the audit log, with the machine before and after', async () => {
    const id = machineIds[2]!;
    const token = await ctx.db.prisma.apiToken.findFirstOrThrow({ where: { userId: ctx.admin.id } });
    const drained = await app.inject({ method: 'POST', url: `/api/v1/machines/${id}/drain` });
    expect(drained.statusCode, drained.body).toBe(200);
    const revision = await ctx.db.prisma.configRevision.findFirstOrThrow({
      where: { machineId: id },
      orderBy: { number: 'desc' },
    });
    expect(revision).toMatchObject({ reason: 'drain', actorType: 'api_token', actorId: token.id });

    const event = await ctx.db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'machine.drain', targetId: id },
    });
    expect(event).toMatchObject({ actorType: 'api_token', actorId: token.id, targetType: 'machine' });
    expect(event.actorLabel).toContain(ctx.admin.email);
    expect(event.before).toMatchObject({ id, drainingSince: null });
    expect((event.after as { drainingSince: string | null }).drainingSince).not.toBeNull();

    await app.inject({ method: 'POST', url: `/api/v1/machines/${id}/resume` });
    expect(await ctx.db.prisma.auditEvent.count({ where: { action: 'machine.resume', targetId: id } })).toBe(
      1,
    );
  });

  it('audits a limit change with the limit before and after, not the whole runner', async () => {
    await patchToken({ limitMode: 'per_machine', limit: 3, overrides: [] });
    const res = await patchToken({ limit: 5, overrides: [{ machineId: machineIds[1]!, limit: 1 }] });
    expect(res.statusCode, res.body).toBe(200);
    const event = await ctx.db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'token_limit.update', targetId: runnerId },
      orderBy: { at: 'desc' },
    });
    expect(event.before).toEqual({
      runnerId,
      limitMode: 'per_machine',
      limit: 3,
      requestConcurrency: null,
      overrides: [],
    });
    expect(event.after).toMatchObject({
      limit: 5,
      overrides: [{ machineId: machineIds[1]!, limit: 1 }],
    });
    await patchToken({ overrides: [{ machineId: machineIds[1]!, limit: null }] });
  });

  it('hands each committed revision, rendered, to this process’s listeners', async () => {
    const heard: Array<{ rolloutId: string; revisions: Map<string, { revision: number; config: string }> }> =
      [];
    const stop = app.revisions.onCommitted((rolloutId, revisions) => heard.push({ rolloutId, revisions }));
    try {
      const res = await patchToken({ limitMode: 'per_machine', limit: 7 });
      expect(res.statusCode, res.body).toBe(200);
      const rollout = res.json() as Rollout;
      expect(heard.map((h) => h.rolloutId)).toEqual([rollout.rolloutId]);
      const revisions = heard[0]!.revisions;
      expect([...revisions.keys()].sort()).toEqual(rollout.revisions.map((r) => r.machineId).sort());
      for (const [machineId, r] of revisions) {
        const row = await ctx.db.prisma.configRevision.findUniqueOrThrow({
          where: { machineId_number: { machineId, number: r.revision } },
        });
        expect(sha256(r.config)).toBe(row.sha256);
        expect(r.config).toContain(TOKEN);
      }
    } finally {
      stop();
    }
    await patchToken({ limit: 8 });
    expect(heard).toHaveLength(1);
  });

  it('keeps the audit log unchanged when the change is refused', async () => {
    const before = await ctx.db.prisma.auditEvent.count();
    const res = await patchToken({ limitMode: 'fleet_budget', limit: null });
    expect(res.statusCode).toBe(400);
    expect(await ctx.db.prisma.auditEvent.count()).toBe(before);
  });
});

describe('renumbering', () => {
  it('records the desired settings again above a number an agent reported', async () => {
    const id = machineIds[0]!;
    const before = await desiredModel(id);
    await app.revisions.renumber(id, 50);
    const m = await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id } });
    expect(m.desiredRevision).toBe(51);
    expect(await desiredModel(id)).toEqual(before);
  });
});

describe('the real renderer', () => {
  it('renders a config.toml that gitlab-runner would load, with the token only where it belongs', async () => {
    const { parseRunnerConfig, validateRunnerConfig, hasErrors } = await import('@paddock/runner-config');
    const { renderConfigToml } = await import('./render.js');
    const id = machineIds[1]!;
    const model = await desiredModel(id);
    const text = renderConfigToml(model, () => TOKEN);
    const parsed = parseRunnerConfig(text);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;
    expect(hasErrors(validateRunnerConfig(parsed.config))).toBe(false);
    expect(parsed.config.concurrent).toBe(model.global.concurrent);
    expect(parsed.config.listen_address).toBe('127.0.0.1:9252');
    expect(parsed.config.runners?.[0]).toMatchObject({
      url: 'https://gitlab.revisions.example.com',
      token: TOKEN,
      executor: 'shell',
      limit: model.runners[0]!.limit,
    });
    expect(text.split(TOKEN)).toHaveLength(2);
  });
});
