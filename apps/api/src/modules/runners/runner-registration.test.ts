import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { GitlabApiClient, GitlabSimulator } from '@paddock/gitlab-sim';
import { RegisterRunnerBody, type RegistrationProgress } from '@paddock/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { factories } from '../../../test/support/factories.js';
import { databaseFingerprint, useTestApp } from '../../../test/support/test-db.js';
import type { PrismaClient } from '../../db/client.js';
import type { BusEvent } from '../../lib/event-bus.js';
import { machinesRepository } from '../machines/machines.repository.js';
import { runnerRegistrationService } from './runner-registration.js';
import { runnersRepository } from './runners.repository.js';

const ctx = useTestApp();
const sim = new GitlabSimulator({ seed: 11, runnerTokenExpirationIntervalSeconds: 30 * 24 * 3600 });
const gitlabApi = () => new GitlabApiClient(sim.url, sim.adminToken);
const ids = { instance: '', weakInstance: '', m1: '', m2: '', m3: '' };
let events: BusEvent[];

beforeAll(async () => {
  await sim.listen();
  const f = factories(ctx.db, ctx.secrets);
  const encrypt = (token: string) => ctx.secrets.encrypt(token, 'gitlab-access-token');
  ids.instance = (
    await f.gitlabInstance({ url: sim.url, accessTokenCiphertext: encrypt(sim.adminToken) })
  ).id;
  const readOnly = sim.createAccessToken({ scopes: ['read_api'] }).token;
  ids.weakInstance = (
    await f.gitlabInstance({ url: `${sim.url}/`, accessTokenCiphertext: encrypt(readOnly) })
  ).id;
  ids.m1 = (await f.machine({ labels: { pool: 'docker', region: 'eu' } })).id;
  ids.m2 = (await f.machine({ labels: { pool: 'docker', region: 'us' } })).id;
  ids.m3 = (await f.machine({ labels: { pool: 'shell' } })).id;
  ctx.app.events.subscribe((e) => events.push(e));
});
afterAll(() => sim.close());
beforeEach(() => {
  events = [];
  sim.faults.clear();
  sim.requests.reset();
});

const body = (overrides: Record<string, unknown> = {}) => ({
  gitlabInstanceId: ids.instance,
  runnerType: 'instance_type',
  description: 'Docker EU',
  tags: ['docker', 'linux'],
  locked: true,
  accessLevel: 'ref_protected',
  maximumTimeout: 7200,
  maintenanceNote: 'patch on Tuesdays',
  executor: { name: 'docker', settings: { docker: { image: 'alpine:3.20', privileged: false } } },
  limits: { limitMode: 'per_machine', limit: 3, requestConcurrency: 2 },
  machines: { ids: [ids.m1, ids.m2] },
  ...overrides,
});

const register = (payload: Record<string, unknown>) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/runners', payload });

const steps = (registrationId: string) =>
  events
    .filter(
      (e): e is Extract<BusEvent, { topic: 'runner.registration' }> => e.topic === 'runner.registration',
    )
    .filter((e) => e.registrationId === registrationId)
    .map((e) => `${e.step}:${e.state}`);

/** Every row of every table as text: what a database dump would hold. */
async function databaseText(): Promise<string> {
  const tables = await ctx.db.pool.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
  );
  const parts: string[] = [];
  for (const { tablename } of tables.rows) {
    const rows = await ctx.db.pool.query<{ row: string }>(`SELECT t::text AS row FROM "${tablename}" t`);
    parts.push(...rows.rows.map((r) => r.row));
  }
  return parts.join('\n');
}

describe('registering a runner', () => {
  it('creates it in GitLab, stores it with an encrypted token and pushes revisions to its machines', async () => {
    const registrationId = randomUUID();
    const res = await register(body({ registrationId }));
    expect(res.statusCode, res.body).toBe(201);
    const { runner, rollout } = res.json();

    // GitLab has the runner with the requested fields.
    const inGitlab = sim.store.runners.get(runner.gitlabRunnerId)!;
    expect(inGitlab).toMatchObject({
      runnerType: 'instance_type',
      description: 'Docker EU',
      tagList: ['docker', 'linux'],
      runUntagged: false,
      locked: true,
      paused: false,
      accessLevel: 'ref_protected',
      maximumTimeout: 7200,
      maintenanceNote: 'patch on Tuesdays',
    });
    const token = inGitlab.token;
    expect(res.body).not.toContain(token);
    expect(runner).toMatchObject({
      description: 'Docker EU',
      executor: 'docker',
      source: 'managed',
      machineCount: 2,
      token: {
        last4: token.slice(-4),
        expiresAt: inGitlab.tokenExpiresAt!.toISOString(),
        limitMode: 'per_machine',
        limitValue: 3,
        requestConcurrency: 2,
      },
    });

    // Stored encrypted, and nowhere in the database in plaintext.
    const stored = await ctx.db.prisma.runnerToken.findUniqueOrThrow({ where: { runnerId: runner.id } });
    expect(stored.ciphertext).not.toContain(token);
    expect(ctx.secrets.decrypt(stored.ciphertext, 'runner-token')).toBe(token);
    expect(await databaseText()).not.toContain(token);
    const settings = await ctx.db.prisma.runner.findUniqueOrThrow({ where: { id: runner.id } });
    expect(settings.executorSettings).toEqual({ docker: { image: 'alpine:3.20', privileged: false } });

    // Each machine got a revision that runs the runner; the model holds no token.
    expect(rollout.revisions.map((r: { machineId: string }) => r.machineId).sort()).toEqual(
      [ids.m1, ids.m2].sort(),
    );
    const revisions = await ctx.db.prisma.configRevision.findMany({
      where: { rolloutId: rollout.rolloutId },
      include: { configModel: true },
    });
    expect(revisions).toHaveLength(2);
    for (const r of revisions) {
      const model = r.configModel.model as { runners: Array<{ runnerId: string; limit: number }> };
      expect(model.runners).toEqual([expect.objectContaining({ runnerId: runner.id, limit: 3 })]);
      expect(JSON.stringify(model)).not.toContain(token);
    }
    const shown = revisions.find((r) => r.machineId === ids.m1)!;
    const rendered = await ctx.app.inject(`/api/v1/machines/${ids.m1}/revisions/${shown.number}`);
    expect(rendered.statusCode).toBe(200);
    expect(rendered.json().config).toContain(`…${token.slice(-4)}`);
    expect(rendered.body).not.toContain(token);

    await vi.waitFor(() =>
      expect(steps(registrationId)).toEqual([
        'validate:started',
        'validate:done',
        'gitlab:started',
        'gitlab:done',
        'store:started',
        'store:done',
        'rollout:started',
        'rollout:done',
      ]),
    );
  });

  it('targets machines by label, and makes a registration id when none is given', async () => {
    const res = await register(
      body({
        description: 'shell runner',
        tags: [],
        runUntagged: true,
        executor: { name: 'shell', settings: { shell: 'bash' } },
        machines: { labels: ['pool=shell'] },
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const out = res.json();
    expect(out.registrationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.runner.assignments.map((a: { machineId: string }) => a.machineId)).toEqual([ids.m3]);
    expect(sim.store.runners.get(out.runner.gitlabRunnerId)).toMatchObject({
      runUntagged: true,
      tagList: [],
    });
  });
});

describe('a registration that fails stores nothing, in Paddock or in GitLab', () => {
  async function refused(payload: Record<string, unknown>, status: number) {
    const runnersInGitlab = sim.store.runners.size;
    const before = await databaseFingerprint(ctx.db);
    const res = await register(payload);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await databaseFingerprint(ctx.db)).toEqual(before);
    expect(sim.store.runners.size).toBe(runnersInGitlab);
    return res.json() as { code: string; detail: string; errors?: Array<{ path: string; message: string }> };
  }

  it.each([
    [
      'a docker executor without an image',
      { executor: { name: 'docker', settings: { docker: {} } } },
      'body.executor.settings.docker.image',
    ],
    [
      'a pull policy gitlab-runner rejects',
      { executor: { name: 'docker', settings: { docker: { image: 'alpine', pull_policy: ['sometimes'] } } } },
      'body.executor.settings.docker.pull_policy.0',
    ],
    [
      'an unknown config.toml key',
      { executor: { name: 'kubernetes', settings: { kubernetes: { namespace: 'ci', colour: 'blue' } } } },
      'body.executor.settings.kubernetes.colour',
    ],
    [
      'a key Paddock sets itself',
      { executor: { name: 'shell', settings: { token: 'glrt-smuggled' } } },
      'body.executor.settings.token',
    ],
    ['a group runner without its group', { runnerType: 'group_type' }, 'body.groupId'],
    ['no tags and no untagged jobs', { tags: [], runUntagged: false }, 'body.runUntagged'],
    // A getter: the machine ids exist only once beforeAll has run.
    [
      'an unknown machine',
      {
        get machines() {
          return { ids: [ids.m1, randomUUID()] };
        },
      },
      'body.machines.ids.1',
    ],
    ['labels no machine has', { machines: { labels: ['pool=gpu'] } }, 'body.machines.labels'],
    ['an unknown GitLab instance', { gitlabInstanceId: randomUUID() }, 'body.gitlabInstanceId'],
    ['a fleet budget without a limit', { limits: { limitMode: 'fleet_budget' } }, 'body.limits.limit'],
  ])('refuses %s with a 400 naming the field, before asking GitLab', async (_name, overrides, path) => {
    const problem = await refused(body({ ...overrides }), 400);
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(sim.requests.count()).toBe(0);
  });

  it('passes on what GitLab refuses as a 422 with its message', async () => {
    const problem = await refused(body({ runnerType: 'group_type', groupId: 424_242 }), 422);
    expect(problem).toMatchObject({ code: 'gitlab_error' });
    expect(problem.detail).toBe('GitLab refused the request: 400 Bad request - Missing/invalid scope');
  });

  it('names the token problem when the access token may not create runners', async () => {
    const registrationId = randomUUID();
    const problem = await refused(body({ gitlabInstanceId: ids.weakInstance, registrationId }), 422);
    expect(problem.detail).toMatch(/lacks a scope POST \/user\/runners needs/);
    await vi.waitFor(() => expect(steps(registrationId)).toContain('gitlab:failed'));
    const failed = events.find(
      (e) => e.topic === 'runner.registration' && e.registrationId === registrationId && e.state === 'failed',
    ) as RegistrationProgress | undefined;
    expect(failed?.detail).toBe(problem.detail);
  });

  it('answers 502 when GitLab is down', async () => {
    sim.faults.failNext(1, 503, { route: 'POST /user/runners' });
    const problem = await refused(body(), 502);
    expect(problem).toMatchObject({ code: 'gitlab_unreachable' });
    expect(problem.detail).toMatch(/503 Service Unavailable/);
  });

  it('deletes the GitLab runner again when the database transaction fails', async () => {
    // The seam: the service's Prisma client, here one whose assignment insert fails inside the transaction.
    const faulty = ctx.db.prisma.$extends({
      query: {
        assignment: {
          createMany: () => Promise.reject(new Error('simulated: the database connection dropped')),
        },
      },
    }) as unknown as PrismaClient;
    const service = runnerRegistrationService({
      runners: runnersRepository(faulty),
      machines: machinesRepository(faulty),
      secrets: ctx.secrets,
      gitlab: ctx.app.gitlab,
      revisions: ctx.app.revisions,
      events: ctx.app.events,
      log: ctx.app.log,
    });
    const registrationId = randomUUID();
    const before = await databaseFingerprint(ctx.db);
    const runnersInGitlab = sim.store.runners.size;

    await expect(
      service.register(RegisterRunnerBody.parse(body({ registrationId })), { type: 'user', id: null }),
    ).rejects.toThrow(/database connection dropped/);

    expect(sim.requests.count('POST /user/runners')).toBe(1);
    expect(sim.requests.count('DELETE /runners/:id')).toBe(1);
    expect(sim.store.runners.size).toBe(runnersInGitlab);
    expect(await databaseFingerprint(ctx.db)).toEqual(before);
    await vi.waitFor(() => expect(steps(registrationId)).toContain('store:failed'));
    const failed = events.find(
      (e) => e.topic === 'runner.registration' && e.registrationId === registrationId && e.state === 'failed',
    ) as RegistrationProgress | undefined;
    expect(failed?.detail).toMatch(/deleted from GitLab again/);
    // The GitLab side agrees: the runner is gone.
    const created = sim.requests.list().find((r) => r.route === 'DELETE /runners/:id')!;
    expect((await gitlabApi().get(created.path)).status).toBe(404);
  });
});

describe('progress on /live', () => {
  it('streams each step to the registration topic', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, { headers: { authorization: ctx.admin.bearer } });
    const messages: Array<{ type: string; registration?: RegistrationProgress }> = [];
    ws.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    try {
      const registrationId = randomUUID();
      ws.send(JSON.stringify({ type: 'subscribe', topic: `registration:${registrationId}` }));
      await vi.waitFor(() => expect(messages.map((m) => m.type)).toContain('subscribed'));

      const res = await register(
        body({ registrationId, description: 'watched', machines: { ids: [ids.m2] } }),
      );
      expect(res.statusCode, res.body).toBe(201);
      await vi.waitFor(() =>
        expect(messages.filter((m) => m.type === 'registration').at(-1)?.registration).toMatchObject({
          step: 'rollout',
          state: 'done',
          runnerId: res.json().runner.id,
          rolloutId: res.json().rollout.rolloutId,
        }),
      );
      expect(messages.filter((m) => m.type === 'registration')).toHaveLength(8);
    } finally {
      ws.close();
    }
  });
});
