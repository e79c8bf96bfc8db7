import { beforeAll, describe, expect, it } from 'vitest';
import type { Machine, MachinePage } from '@paddock/contracts';
import { factories } from '../../../test/support/factories.js';
import { databaseFingerprint, useTestApp } from '../../../test/support/test-db.js';

const ctx = useTestApp();
const ids: Record<string, string> = {};

beforeAll(async () => {
  const f = factories(ctx.db, ctx.secrets);
  const now = Date.now();
  const specs = [
    {
      key: 'a',
      hostname: 'alpha',
      connectionState: 'online',
      labels: { region: 'eu', pool: 'docker' },
      lastSeenAt: new Date(now - 1000),
    },
    {
      key: 'b',
      hostname: 'bravo',
      connectionState: 'offline',
      labels: { region: 'us' },
      lastSeenAt: new Date(now - 60_000),
    },
    {
      key: 'c',
      hostname: 'charlie',
      connectionState: 'online',
      labels: { region: 'eu' },
      drainingSince: new Date(),
      lastSeenAt: new Date(now - 5000),
    },
    { key: 'd', hostname: 'delta', connectionState: 'never_connected', labels: {}, systemId: null },
    {
      key: 'e',
      hostname: 'echo',
      connectionState: 'online',
      labels: { pool: 'k8s' },
      driftSha256: 'a'.repeat(64),
      driftKeys: ['concurrent'],
      desiredRevision: 3,
      appliedRevision: 3,
      lastSeenAt: new Date(now - 2000),
    },
    {
      key: 'f',
      hostname: 'foxtrot',
      connectionState: 'online',
      labels: {},
      desiredRevision: 2,
      appliedRevision: 1,
      lastSeenAt: new Date(now - 3000),
      // busy for a minute only: not yet
      pressureHighSince: new Date(now - 60_000),
    },
    {
      key: 'g',
      hostname: 'golf',
      connectionState: 'online',
      labels: {},
      desiredRevision: 2,
      appliedRevision: 1,
      applyError: 'permission denied',
      lastSeenAt: new Date(now - 4000),
      // busy for ten minutes: flagged
      pressureHighSince: new Date(now - 10 * 60_000),
    },
  ] as const;
  for (const { key, ...data } of specs) {
    const m = await f.machine({ ...data, labels: { ...data.labels } } as never);
    ids[key] = m.id;
  }
  const gl = await f.gitlabInstance();
  const r = await f.runner(gl.id);
  await f.assign(r.id, ids.a!);
});

async function list(query: string): Promise<MachinePage> {
  const res = await ctx.app.inject(`/api/v1/machines?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
const hostnames = (page: MachinePage) => page.items.map((m) => m.hostname);

describe('machine list', () => {
  it('sorts by hostname by default and counts runners', async () => {
    const page = await list('');
    expect(hostnames(page)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf']);
    expect(page.total).toBe(7);
    expect(page.items[0]).toMatchObject({ runnerCount: 1, labels: { region: 'eu', pool: 'docker' } });
  });

  it('filters by status (any of several), label and text', async () => {
    expect(hostnames(await list('status=offline,never_connected'))).toEqual(['bravo', 'delta']);
    expect(hostnames(await list('status=draining'))).toEqual(['charlie']);
    expect(hostnames(await list('status=drifting'))).toEqual(['echo']);
    expect(hostnames(await list('status=applying'))).toEqual(['foxtrot']);
    expect(hostnames(await list('status=failed'))).toEqual(['golf']);
    expect(hostnames(await list('status=under_pressure'))).toEqual(['golf']);
    expect(hostnames(await list('label=region=eu'))).toEqual(['alpha', 'charlie']);
    expect(hostnames(await list('label=region=eu&label=pool=docker'))).toEqual(['alpha']);
    expect(hostnames(await list('label=pool'))).toEqual(['alpha', 'echo']);
    expect(hostnames(await list('q=ALP'))).toEqual(['alpha']);
    expect((await list('status=online&label=region=eu')).total).toBe(2);
  });

  it('reports each machine’s revision state and flags', async () => {
    const byName = Object.fromEntries((await list('')).items.map((m: Machine) => [m.hostname, m]));
    expect(byName.alpha!.revisionState).toBe('none');
    expect(byName.echo).toMatchObject({
      revisionState: 'in_sync',
      drifting: true,
      driftKeys: ['concurrent'],
    });
    expect(byName.foxtrot!.revisionState).toBe('applying');
    expect(byName.golf!.revisionState).toBe('failed');
    expect(byName.charlie!.drainingSince).not.toBeNull();
  });

  for (const sort of ['hostname', '-hostname', 'lastSeenAt', '-lastSeenAt', 'createdAt', '-createdAt']) {
    it(`pages through every machine exactly once sorted by ${sort}`, async () => {
      const all = hostnames(await list(`sort=${sort}&limit=200`));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: MachinePage = await list(`sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(2);
        expect(page.total).toBe(7);
        seen.push(...hostnames(page));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all);
      expect(new Set(seen).size).toBe(7);
    });
  }

  it('puts never-seen machines last when sorting by last seen', async () => {
    expect(hostnames(await list('sort=-lastSeenAt')).at(-1)).toBe('delta');
    expect(hostnames(await list('sort=lastSeenAt')).at(-1)).toBe('delta');
    expect(hostnames(await list('sort=-lastSeenAt'))[0]).toBe('alpha');
  });

  it('rejects bad queries with the field named', async () => {
    for (const [query, path] of [
      ['limit=0', 'query.limit'],
      ['limit=201', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['status=sleeping', 'query.status.0'],
      ['sort=color', 'query.sort'],
      ['label=Bad Key=1', 'query.label.0'],
      ['cursor=garbage', 'query.cursor'],
      [`sort=hostname&cursor=${(await list('sort=-hostname&limit=1')).nextCursor}`, 'query.cursor'],
    ] as const) {
      const res = await ctx.app.inject(`/api/v1/machines?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(
        res.json().errors.map((e: { path: string }) => e.path),
        query,
      ).toContain(path);
    }
  });
});

describe('one machine', () => {
  it('is read, relabelled and deleted', async () => {
    const got = await ctx.app.inject(`/api/v1/machines/${ids.b}`);
    expect(got.json()).toMatchObject({ hostname: 'bravo', connectionState: 'offline' });

    const res = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/machines/${ids.b}`,
      payload: { labels: { region: 'us-east', 'team.example/owner': 'ci' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().labels).toEqual({ region: 'us-east', 'team.example/owner': 'ci' });

    const del = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/machines/${ids.d}` });
    expect(del.statusCode).toBe(204);
    expect((await ctx.app.inject(`/api/v1/machines/${ids.d}`)).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/v1/machines/${ids.d}` })).statusCode).toBe(
      404,
    );
  });

  it('records each change in the audit log with the machine before and after', async () => {
    const events = await ctx.db.prisma.auditEvent.findMany({
      where: { targetType: 'machine', targetId: { in: [ids.b!, ids.d!] } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    expect(events.map((e) => [e.action, e.targetId])).toEqual([
      ['machine.update', ids.b],
      ['machine.delete', ids.d],
    ]);
    const [update, del] = events;
    expect(update).toMatchObject({ actorType: 'api_token', actorLabel: expect.stringContaining('admin@') });
    expect(update!.before).toMatchObject({ labels: { region: 'us' } });
    expect(update!.after).toMatchObject({ labels: { region: 'us-east' } });
    expect(del!.before).toMatchObject({ id: ids.d });
    expect(del!.after).toBeNull();
  });

  it('refuses bad labels and keeps the old ones', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    for (const [labels, path] of [
      [{ 'Has Space': 'x' }, 'body.labels.Has Space'],
      [{ region: 'x'.repeat(256) }, 'body.labels.region'],
      [{ region: 5 }, 'body.labels.region'],
      [tooMany, 'body.labels'],
      ['eu', 'body.labels'],
    ] as const) {
      const before = await databaseFingerprint(ctx.db);
      const res = await ctx.app.inject({
        method: 'PATCH',
        url: `/api/v1/machines/${ids.a}`,
        payload: { labels },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await databaseFingerprint(ctx.db)).toEqual(before);
    }
    expect((await ctx.app.inject(`/api/v1/machines/${ids.a}`)).json().labels).toEqual({
      region: 'eu',
      pool: 'docker',
    });
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await ctx.app.inject('/api/v1/machines/not-a-uuid')).json()).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ path: 'params.id' })],
    });
    expect((await ctx.app.inject('/api/v1/machines/01a20792-d6bb-742f-afc2-ba3f6c8b6cc1')).statusCode).toBe(
      404,
    );
  });
});
