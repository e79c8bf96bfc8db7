import { beforeAll, describe, expect, it } from 'vitest';
import type { RunnerPage } from '@paddock/contracts';
import { factories } from '../../../test/support/factories.js';
import { useTestApp } from '../../../test/support/test-db.js';

const ctx = useTestApp();
const TOKENS = [
  'glrt-t1_SecretAlpha0000000001',
  'glrt-t1_SecretBravo0000000002',
  'glrt-t1_SecretCharlie00000003',
];
const ids: Record<string, string> = {};

beforeAll(async () => {
  const f = factories(ctx.db, ctx.secrets);
  const gl = await f.gitlabInstance();
  const other = await f.gitlabInstance();
  const m1 = await f.machine({ hostname: 'build-1' });
  const m2 = await f.machine({ hostname: 'build-2' });
  ids.m1 = m1.id;
  ids.gl = gl.id;
  const a = await f.runner(
    gl.id,
    { description: 'Docker Linux', tags: ['docker', 'linux'], gitlabStatus: 'online' },
    TOKENS[0],
  );
  const b = await f.runner(
    gl.id,
    { description: 'Docker ARM', tags: ['docker', 'arm64'], paused: true, gitlabStatus: 'offline' },
    TOKENS[1],
  );
  const c = await f.runner(
    other.id,
    { description: 'Shell', tags: ['shell'], gitlabStatus: 'never_contacted' },
    TOKENS[2],
  );
  Object.assign(ids, { a: a.id, b: b.id, c: c.id });
  await f.assign(a.id, m1.id, { limitOverride: 2, effectiveLimit: 2 });
  await f.assign(a.id, m2.id);
  await f.assign(b.id, m2.id);
  // GitLab knows runner a on one host so far.
  await ctx.db.prisma.runnerManager.create({
    data: { runnerId: a.id, systemId: 's_aaaaaaaaaaaa', machineId: m1.id },
  });
});

async function list(query = ''): Promise<RunnerPage> {
  const res = await ctx.app.inject(`/api/v1/runners?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  for (const t of TOKENS) expect(res.body).not.toContain(t);
  return res.json();
}
const descriptions = (p: RunnerPage) => p.items.map((r) => r.description);

describe('runner list', () => {
  it('lists newest first with token limits but never the token', async () => {
    const page = await list();
    expect(descriptions(page)).toEqual(['Shell', 'Docker ARM', 'Docker Linux']);
    expect(page.items[2]).toMatchObject({
      machineCount: 2,
      managerCount: 1,
      token: { last4: '0001', limitMode: 'per_machine', limitValue: 4 },
    });
  });

  it('filters by every tag, status, machine, instance and text', async () => {
    expect(descriptions(await list('tag=docker'))).toEqual(['Docker ARM', 'Docker Linux']);
    expect(descriptions(await list('tag=docker&tag=linux'))).toEqual(['Docker Linux']);
    expect(descriptions(await list('tag=docker,arm64'))).toEqual(['Docker ARM']);
    expect(descriptions(await list('status=paused'))).toEqual(['Docker ARM']);
    expect(descriptions(await list('status=online,never_contacted'))).toEqual(['Shell', 'Docker Linux']);
    expect(descriptions(await list(`machineId=${ids.m1}`))).toEqual(['Docker Linux']);
    expect(descriptions(await list(`gitlabInstanceId=${ids.gl}`))).toEqual(['Docker ARM', 'Docker Linux']);
    expect(descriptions(await list('q=docker'))).toEqual(['Docker ARM', 'Docker Linux']);
  });

  it('pages with cursors', async () => {
    const first = await list('limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.total).toBe(3);
    const second = await list(`limit=2&cursor=${first.nextCursor}`);
    expect(descriptions(second)).toEqual(['Docker Linux']);
    expect(second.nextCursor).toBeNull();
    expect(second.total).toBe(3);
  });

  it('count the total for the first page only, and again when the filters change', async () => {
    const first = await list('limit=1');
    expect(first.total).toBe(3);
    // Every statement the next pages send, to see which count.
    const sql: string[] = [];
    const pool = ctx.db.pool as unknown as { query: (...a: unknown[]) => unknown };
    const original = pool.query.bind(pool);
    pool.query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      if (text) sql.push(text);
      return original(...args);
    };
    try {
      const next = await list(`limit=1&cursor=${first.nextCursor}`);
      expect(next.total).toBe(3);
      expect(sql.filter((q) => /SELECT count\(\*\)::int AS n FROM runners/.test(q))).toEqual([]);
      // The same cursor with another filter counts for that filter.
      const tagged = await list(`limit=1&tag=docker&cursor=${first.nextCursor}`);
      expect(tagged.total).toBe(2);
      expect(sql.filter((q) => /SELECT count\(\*\)::int AS n FROM runners/.test(q))).toHaveLength(1);
    } finally {
      pool.query = original;
    }
  });

  it('rejects bad filters', async () => {
    for (const [query, path] of [
      ['status=busy', 'query.status.0'],
      ['machineId=42', 'query.machineId'],
      ['limit=-1', 'query.limit'],
    ] as const) {
      const res = await ctx.app.inject(`/api/v1/runners?${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });
});

describe('one runner', () => {
  it('shows its assignments', async () => {
    const res = await ctx.app.inject(`/api/v1/runners/${ids.a}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().assignments).toEqual([
      expect.objectContaining({ hostname: 'build-1', limitOverride: 2, effectiveLimit: 2 }),
      expect.objectContaining({ hostname: 'build-2', limitOverride: null }),
    ]);
    expect(res.body).not.toContain(TOKENS[0]);
    expect((await ctx.app.inject('/api/v1/runners/01a20792-d6bb-742f-afc2-ba3f6c8b6cc1')).statusCode).toBe(
      404,
    );
  });
});

describe('tags', () => {
  it('are listed with runner counts', async () => {
    const res = await ctx.app.inject('/api/v1/tags');
    expect(res.json().items).toEqual([
      { tag: 'arm64', runnerCount: 1 },
      { tag: 'docker', runnerCount: 2 },
      { tag: 'linux', runnerCount: 1 },
      { tag: 'shell', runnerCount: 1 },
    ]);
  });
});
