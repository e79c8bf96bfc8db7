/**
 * A registered runner's life against the GitLab simulator over real HTTP: token rotation (the old token rejected
 * by GitLab, the new one pushed to the machines), pause and resume, expiring tokens, and deletion (off every
 * machine first, then gone from GitLab), with GitLab's failures answered as problems and nothing half-done.
 */
import { GitlabSimulator } from '@paddock/gitlab-sim';
import type { RunnerDetail, TokenRotation } from '@paddock/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { factories } from '../../../test/support/factories.js';
import { useTestApp } from '../../../test/support/test-db.js';
import type { DesiredModel } from '../revisions/desired-model.js';

const ctx = useTestApp();
const sim = new GitlabSimulator({ seed: 5, runnerTokenExpirationIntervalSeconds: 10 * 24 * 3600 });
const ids = { instance: '', m1: '', m2: '' };

beforeAll(async () => {
  await sim.listen();
  const f = factories(ctx.db, ctx.secrets);
  ids.instance = (
    await f.gitlabInstance({
      url: sim.url,
      accessTokenCiphertext: ctx.secrets.encrypt(sim.adminToken, 'gitlab-access-token'),
    })
  ).id;
  ids.m1 = (await f.machine({ hostname: 'life-1', connectionState: 'online' })).id;
  ids.m2 = (await f.machine({ hostname: 'life-2', connectionState: 'online' })).id;
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.faults.clear();
  sim.requests.reset();
});

async function registered(description: string): Promise<RunnerDetail> {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/runners',
    payload: {
      gitlabInstanceId: ids.instance,
      runnerType: 'instance_type',
      description,
      tags: ['docker'],
      executor: { name: 'shell', settings: {} },
      limits: { limitMode: 'per_machine', limit: 2 },
      machines: { ids: [ids.m1, ids.m2] },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ runner: RunnerDetail }>().runner;
}

/** What GitLab's runner API says of a runner token (what gitlab-runner itself would hear). */
async function verify(token: string): Promise<number> {
  const res = await fetch(`${sim.url}/api/v4/runners/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, system_id: 's_000000000001' }),
  });
  return res.status;
}

const tokenInGitlab = (runner: RunnerDetail) => sim.store.runners.get(runner.gitlabRunnerId)!.token;

async function desiredRunnerIds(machineId: string): Promise<string[]> {
  const m = await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id: machineId } });
  const rev = await ctx.db.prisma.configRevision.findUniqueOrThrow({
    where: { machineId_number: { machineId, number: m.desiredRevision } },
    include: { configModel: true },
  });
  return (rev.configModel.model as unknown as DesiredModel).runners.map((r) => r.runnerId);
}

describe('rotating a runner token', () => {
  it('resets it in GitLab, stores the new one encrypted and pushes it; the old one stops working', async () => {
    const runner = await registered('rotate me');
    const oldToken = tokenInGitlab(runner);
    expect(await verify(oldToken)).toBe(200);
    const before = await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id: ids.m1 } });

    const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/runners/${runner.id}/rotate-token` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<TokenRotation>();
    const newToken = tokenInGitlab(runner);
    expect(newToken).not.toBe(oldToken);
    expect(body.runner.token!.last4).toBe(newToken.slice(-4));
    expect(body.runner.token!.rotatedAt).not.toBeNull();
    expect(body.rolloutId).not.toBeNull();
    expect(res.body).not.toContain(newToken);

    expect(await verify(oldToken)).toBe(403);
    expect(await verify(newToken)).toBe(200);
    // Each machine got a new revision (its config now renders the new token).
    const after = await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id: ids.m1 } });
    expect(after.desiredRevision).toBe(before.desiredRevision + 1);
    const stored = await ctx.db.prisma.runnerToken.findUniqueOrThrow({ where: { runnerId: runner.id } });
    expect(ctx.secrets.decrypt(stored.ciphertext, 'runner-token')).toBe(newToken);
  });

  it('answers 502 and changes nothing when GitLab is down', async () => {
    const runner = await registered('gitlab down');
    const token = tokenInGitlab(runner);
    sim.faults.failNext(5, 500);
    const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/runners/${runner.id}/rotate-token` });
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(tokenInGitlab(runner)).toBe(token);
    const stored = await ctx.db.prisma.runnerToken.findUniqueOrThrow({ where: { runnerId: runner.id } });
    expect(ctx.secrets.decrypt(stored.ciphertext, 'runner-token')).toBe(token);
  });

  it('refuses a runner imported from GitLab, whose token Paddock does not hold', async () => {
    const f = factories(ctx.db, ctx.secrets);
    const imported = await f.runner(ids.instance, { source: 'imported', gitlabRunnerId: 987654 }, null);
    const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/runners/${imported.id}/rotate-token` });
    expect(res.statusCode).toBe(409);
  });
});

describe('pausing a runner', () => {
  it('pauses and resumes it in GitLab and in Paddock', async () => {
    const runner = await registered('pause me');
    const paused = await ctx.app.inject({ method: 'POST', url: `/api/v1/runners/${runner.id}/pause` });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json<RunnerDetail>().paused).toBe(true);
    expect(sim.store.runners.get(runner.gitlabRunnerId)!.paused).toBe(true);

    const resumed = await ctx.app.inject({ method: 'POST', url: `/api/v1/runners/${runner.id}/resume` });
    expect(resumed.json<RunnerDetail>().paused).toBe(false);
    expect(sim.store.runners.get(runner.gitlabRunnerId)!.paused).toBe(false);
  });

  it('answers 404 for an unknown runner', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/runners/0190f1a2-0000-7000-8000-000000000abc/pause',
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('expiring tokens', () => {
  it('lists tokens expiring within the window, soonest first', async () => {
    const runner = await registered('expires soon');
    const soon = await ctx.app.inject({ method: 'GET', url: '/api/v1/runner-tokens/expiring?days=30' });
    expect(soon.statusCode).toBe(200);
    const items = soon.json<{ items: Array<{ runnerId: string; expired: boolean; expiresAt: string }> }>()
      .items;
    expect(items.map((i) => i.runnerId)).toContain(runner.id);
    const times = items.map((i) => i.expiresAt);
    expect([...times].sort()).toEqual(times);
    const none = await ctx.app.inject({ method: 'GET', url: '/api/v1/runner-tokens/expiring?days=1' });
    expect(none.json<{ items: unknown[] }>().items).toEqual([]);
    const bad = await ctx.app.inject({ method: 'GET', url: '/api/v1/runner-tokens/expiring?days=-1' });
    expect(bad.statusCode).toBe(400);
  });
});

describe('adopting an imported runner', () => {
  it('resets its token in GitLab, stores it and runs the runner on the chosen machines', async () => {
    // A runner someone created in GitLab by hand, as the sync imports it: no token in Paddock.
    const created = await fetch(`${sim.url}/api/v4/user/runners`, {
      method: 'POST',
      headers: { 'PRIVATE-TOKEN': sim.adminToken, 'content-type': 'application/json' },
      body: JSON.stringify({ runner_type: 'instance_type', description: 'hand made', tag_list: 'docker' }),
    }).then((r) => r.json() as Promise<{ id: number; token: string }>);
    const f = factories(ctx.db, ctx.secrets);
    const imported = await f.runner(
      ids.instance,
      { source: 'imported', gitlabRunnerId: created.id, tags: ['docker'], description: 'hand made' },
      null,
    );
    expect(await verify(created.token)).toBe(200);

    const res = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/runners/${imported.id}/adopt`,
      payload: {
        executor: { name: 'shell', settings: {} },
        limits: { limitMode: 'per_machine', limit: 3 },
        machines: { ids: [ids.m2] },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<TokenRotation>();
    expect(body.runner).toMatchObject({ source: 'managed', executor: 'shell', machineCount: 1 });
    expect(body.runner.token).toMatchObject({ limitValue: 3 });
    expect(await verify(created.token)).toBe(403);
    const newToken = sim.store.runners.get(created.id)!.token;
    expect(await verify(newToken)).toBe(200);
    expect(await desiredRunnerIds(ids.m2)).toContain(imported.id);

    // Once adopted it is Paddock's: adopting again is refused.
    const again = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/runners/${imported.id}/adopt`,
      payload: { executor: { name: 'shell', settings: {} }, machines: { ids: [ids.m2] } },
    });
    expect(again.statusCode).toBe(409);
  });

  it('checks the request before GitLab is asked anything', async () => {
    const f = factories(ctx.db, ctx.secrets);
    const imported = await f.runner(ids.instance, { source: 'imported', gitlabRunnerId: 424242 }, null);
    sim.requests.reset();
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/runners/${imported.id}/adopt`,
      payload: {
        executor: { name: 'shell', settings: {} },
        machines: { ids: ['0190f1a2-0000-7000-8000-00000000dead'] },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('body.machines.ids.0');
    expect(sim.requests.count()).toBe(0);
  });
});

describe('deleting a runner', () => {
  it('takes it off every machine, then deletes it in GitLab and in Paddock', async () => {
    const runner = await registered('delete me');
    expect(await desiredRunnerIds(ids.m1)).toContain(runner.id);
    const res = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/runners/${runner.id}` });
    expect(res.statusCode, res.body).toBe(204);
    expect(await desiredRunnerIds(ids.m1)).not.toContain(runner.id);
    expect(await desiredRunnerIds(ids.m2)).not.toContain(runner.id);
    expect(sim.store.runners.has(runner.gitlabRunnerId)).toBe(false);
    expect(await ctx.db.prisma.runner.findUnique({ where: { id: runner.id } })).toBeNull();
  });

  it('keeps the runner in Paddock, already off its machines, when GitLab cannot delete it', async () => {
    const runner = await registered('delete later');
    // A DELETE is tried again after a failure (PADDOCK_GITLAB_MAX_RETRIES, 3): GitLab fails all four attempts.
    sim.faults.failNext(4, 503);
    const res = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/runners/${runner.id}` });
    expect(res.statusCode).toBe(502);
    expect(await ctx.db.prisma.runner.findUnique({ where: { id: runner.id } })).not.toBeNull();
    expect(await desiredRunnerIds(ids.m1)).not.toContain(runner.id);
    expect(sim.store.runners.has(runner.gitlabRunnerId)).toBe(true);

    const retry = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/runners/${runner.id}` });
    expect(retry.statusCode).toBe(204);
    expect(sim.store.runners.has(runner.gitlabRunnerId)).toBe(false);
  });

  it('deletes in Paddock a runner GitLab already forgot', async () => {
    const runner = await registered('already gone');
    sim.store.runners.delete(runner.gitlabRunnerId);
    const res = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/runners/${runner.id}` });
    expect(res.statusCode).toBe(204);
    expect(await ctx.db.prisma.runner.findUnique({ where: { id: runner.id } })).toBeNull();
  });
});
