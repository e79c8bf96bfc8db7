/**
 * The gateway's batched writes on a real database: a burst of answers is recorded whole (none dropped), each
 * answer gets its own verdict, and order rules hold inside a batch as between batches.
 */
import type { Status } from '@paddock/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../../test/support/factories.js';
import { useTestApp } from '../../test/support/test-db.js';
import { revisionsService } from '../modules/revisions/revisions.service.js';
import { createLocalEventBus } from '../lib/event-bus.js';
import { gatewayStore, type GatewayStore } from './store.js';

const ctx = useTestApp();
const MACHINES = 300;
let store: GatewayStore;
const machineIds: string[] = [];
const shaOf = new Map<string, string>();

beforeAll(async () => {
  const f = factories(ctx.db, ctx.secrets);
  const gl = await f.gitlabInstance({ url: 'https://gitlab.store.example.com' });
  const runner = await f.runner(
    gl.id,
    { description: 'docker', tags: ['docker'] },
    'glrt-t1_StoreSecret00000001',
  );
  for (let i = 0; i < MACHINES; i++) {
    const m = await f.machine({ hostname: `store-${i}`, connectionState: 'online', cpuCount: 2 });
    machineIds.push(m.id);
    await f.assign(runner.id, m.id);
  }
  const revisions = revisionsService({
    prisma: ctx.db.prisma,
    secrets: ctx.secrets,
    events: createLocalEventBus(),
    render: (model) => JSON.stringify(model),
  });
  await revisions.sync(machineIds, 'first', { type: 'system', id: null });
  await ctx.db.prisma.machine.updateMany({ data: { concurrent: 7 } });
  await revisions.sync(machineIds, 'second', { type: 'system', id: null });
  const rows = await ctx.db.prisma.configRevision.findMany({ where: { number: 2 } });
  for (const r of rows) shaOf.set(r.machineId, r.sha256);
  store = gatewayStore({ prisma: ctx.db.prisma, secrets: ctx.secrets, replicaId: 'test' });
});

describe('gateway store', () => {
  it('records a burst of answers from every machine, with a verdict for each', async () => {
    const wrongSha = machineIds[0]!;
    const verdicts = await Promise.all(
      machineIds.map((id) => store.markApplied(id, 2, id === wrongSha ? 'f'.repeat(64) : shaOf.get(id)!)),
    );
    expect(verdicts.filter((v) => !v)).toHaveLength(1);
    expect(verdicts[0]).toBe(false);

    const applied = await ctx.db.prisma.machine.count({ where: { appliedRevision: 2 } });
    expect(applied).toBe(MACHINES - 1);
    const statuses = await ctx.db.prisma.configRevision.groupBy({
      by: ['number', 'status'],
      _count: true,
      orderBy: [{ number: 'asc' }, { status: 'asc' }],
    });
    expect(statuses.map((s) => [s.number, s.status, s._count])).toEqual([
      [1, 'superseded', MACHINES],
      [2, 'pending', 1],
      [2, 'applied', MACHINES - 1],
    ]);
  });

  it('never moves a machine back when an older answer arrives late, even in the same burst', async () => {
    const id = machineIds[1]!;
    const rev1 = await ctx.db.prisma.configRevision.findUniqueOrThrow({
      where: { machineId_number: { machineId: id, number: 1 } },
    });
    const [late, again] = await Promise.all([
      store.markApplied(id, 1, rev1.sha256),
      store.markApplied(id, 2, shaOf.get(id)!),
    ]);
    expect([late, again]).toEqual([true, true]);
    const m = await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id } });
    expect(m.appliedRevision).toBe(2);
    expect(m.appliedSha256).toBe(shaOf.get(id));
  });

  it('writes heartbeats and statuses of many agents in bulk', async () => {
    await ctx.db.prisma.machine.updateMany({ data: { lastSeenAt: null, connectionState: 'offline' } });
    const status = (i: number): Status => ({
      type: 'status',
      diskSha256: i % 2 ? 'a'.repeat(64) : null,
      runner: { version: i % 3 ? '18.5.0' : null } as Status['runner'],
      host: {
        cpuCount: 1 + (i % 8),
        load1: 0.5,
        memoryBytes: 2 ** 30 * (i + 1),
        memoryAvailableBytes: 2 ** 29,
      },
    });
    await Promise.all([
      ...machineIds.slice(0, 100).map((id) => store.touch(id)),
      ...machineIds.slice(100).map((id, i) => store.recordStatus(id, status(i))),
    ]);
    await store.flushed();
    expect(
      await ctx.db.prisma.machine.count({ where: { connectionState: 'online', lastSeenAt: { not: null } } }),
    ).toBe(MACHINES);
    const m = await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id: machineIds[105]! } });
    expect(m.cpuCount).toBe(6);
    expect(m.memoryBytes).toBe(BigInt(2 ** 30 * 6));
    expect(m.diskSha256).toBe('a'.repeat(64));
    expect((m.lastStatus as { host: { cpuCount: number } }).host.cpuCount).toBe(6);
  });
});
