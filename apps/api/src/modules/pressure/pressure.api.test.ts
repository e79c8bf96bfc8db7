/**
 * Host pressure end to end on a real database: heartbeats recorded over (simulated) minutes by the gateway store
 * turn into the flag and the suggested limits that GET /api/v1/machines/:id shows, and nothing changes a limit.
 */
import type { Machine } from '@paddock/contracts';
import type { Status } from '@paddock/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../../../test/support/factories.js';
import { useTestApp } from '../../../test/support/test-db.js';
import { gatewayStore, type GatewayStore } from '../../agent-gateway/store.js';

const ctx = useTestApp();
const GiB = 1024 ** 3;
let clock = new Date();
let store: GatewayStore;
let gitlabUrl = '';
const ids = {
  hot: '',
  idle: '',
  young: '',
  docker: '',
  build: '',
  gitlabRunnerDocker: 0,
  gitlabRunnerBuild: 0,
};

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

function status(opts: {
  cpu: number;
  memoryUsedPercent?: number;
  jobs: Array<{ gitlabRunnerId: number; running: number; limit: number }>;
}): Status {
  const total = 16 * GiB;
  return {
    type: 'status',
    diskSha256: null,
    runner: {
      metricsOk: true,
      error: null,
      version: '18.5.0',
      concurrent: 10,
      jobs: opts.jobs.map((j) => ({
        runner: { url: gitlabUrl, id: j.gitlabRunnerId },
        running: j.running,
        limit: j.limit,
      })),
    },
    host: {
      cpuCount: 8,
      load1: 3,
      memoryBytes: total,
      memoryAvailableBytes: Math.round(total * (1 - (opts.memoryUsedPercent ?? 25) / 100)),
      cpuBusyPercent: opts.cpu,
    },
  };
}

async function heartbeat(machineId: string, at: Date, frame: Status) {
  clock = at;
  await store.recordStatus(machineId, frame);
  await store.flushed();
}

const getMachine = async (id: string): Promise<Machine> => {
  const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/machines/${id}` });
  expect(res.statusCode).toBe(200);
  return res.json<Machine>();
};

beforeAll(async () => {
  const f = factories(ctx.db, ctx.secrets);
  const gl = await f.gitlabInstance();
  gitlabUrl = gl.url;
  const docker = await f.runner(gl.id, { description: 'docker', tags: ['docker'] });
  const build = await f.runner(gl.id, { description: 'build', tags: ['build', 'linux'] });
  Object.assign(ids, {
    docker: docker.id,
    build: build.id,
    gitlabRunnerDocker: docker.gitlabRunnerId,
    gitlabRunnerBuild: build.gitlabRunnerId,
  });
  for (const key of ['hot', 'idle', 'young'] as const) {
    const m = await f.machine({ hostname: `pressure-${key}`, connectionState: 'online' });
    ids[key] = m.id;
  }
  await f.assign(docker.id, ids.hot, { effectiveLimit: 8 });
  await f.assign(build.id, ids.hot, { effectiveLimit: 4 });
  await f.assign(build.id, ids.idle, { effectiveLimit: 2 });
  await f.assign(docker.id, ids.young, { effectiveLimit: 8 });
  // Three jobs the build runner can take, one it lacks the tags for, one untagged (it runs tagged jobs only).
  const pending = [['build'], ['build', 'linux'], ['linux'], ['gpu'], []];
  for (const [i, tags] of pending.entries()) {
    await ctx.db.prisma.jobSnapshot.create({
      data: {
        gitlabInstanceId: gl.id,
        gitlabJobId: 9000 + i,
        projectId: 1,
        name: `job ${i}`,
        status: 'pending',
        tags,
        tagSetKey: [...tags].sort().join(','),
        createdAt: minutesAgo(10),
      },
    });
  }
  store = gatewayStore({ prisma: ctx.db.prisma, secrets: ctx.secrets, replicaId: 'test', now: () => clock });
});

describe('host pressure on the machine page', () => {
  it('flags a host above 90 % for five minutes with jobs running, and suggests lower limits', async () => {
    const hot = status({
      cpu: 95,
      jobs: [
        { gitlabRunnerId: ids.gitlabRunnerDocker, running: 6, limit: 8 },
        { gitlabRunnerId: ids.gitlabRunnerBuild, running: 0, limit: 4 },
      ],
    });
    await heartbeat(ids.hot, minutesAgo(6), hot);
    await heartbeat(ids.hot, minutesAgo(3), hot);
    await heartbeat(ids.hot, minutesAgo(0), hot);

    const machine = await getMachine(ids.hot);
    expect(machine.host).toMatchObject({
      cpuCount: 8,
      cpuBusyPercent: 95,
      cpuPercent: 95,
      memoryPercent: 25,
      runningJobs: 6,
    });
    expect(machine.pressure?.level).toBe('high');
    expect(Date.parse(machine.pressure!.since)).toBeLessThan(minutesAgo(5).getTime());
    expect(machine.pressure?.runners).toEqual([
      expect.objectContaining({ runnerId: ids.build, effectiveLimit: 4, running: 0, suggestedLimit: null }),
      // floor(6 × 90 / 95) = 5
      expect.objectContaining({
        runnerId: ids.docker,
        description: 'docker',
        limitMode: 'per_machine',
        limitValue: 4,
        effectiveLimit: 8,
        running: 6,
        suggestedLimit: 5,
      }),
    ]);
    // a suggestion only: the limits stay as they were
    const assignment = await ctx.db.prisma.assignment.findFirstOrThrow({
      where: { runnerId: ids.docker, machineId: ids.hot },
    });
    expect(assignment.effectiveLimit).toBe(8);
  });

  it('clears the flag at the first heartbeat below the threshold, and starts the five minutes again', async () => {
    const calm = status({
      cpu: 60,
      jobs: [{ gitlabRunnerId: ids.gitlabRunnerDocker, running: 6, limit: 8 }],
    });
    await heartbeat(ids.hot, minutesAgo(0), calm);
    expect((await getMachine(ids.hot)).pressure).toBeNull();
    const row = await ctx.db.prisma.machine.findUniqueOrThrow({ where: { id: ids.hot } });
    expect(row.pressureHighSince).toBeNull();
  });

  it('does not flag a host that has been hot for less than five minutes, or is hot with no jobs', async () => {
    const hot = status({ cpu: 99, jobs: [{ gitlabRunnerId: ids.gitlabRunnerDocker, running: 3, limit: 8 }] });
    await heartbeat(ids.young, minutesAgo(4), hot);
    await heartbeat(ids.young, minutesAgo(0), hot);
    expect((await getMachine(ids.young)).pressure).toBeNull();

    const busyElsewhere = status({ cpu: 99, jobs: [] });
    await heartbeat(ids.hot, minutesAgo(7), busyElsewhere);
    await heartbeat(ids.hot, minutesAgo(0), busyElsewhere);
    expect((await getMachine(ids.hot)).pressure).toBeNull();
  });

  it('suggests a higher limit on an idle host whose runner is full while jobs wait for its tags', async () => {
    const idle = status({
      cpu: 20,
      jobs: [{ gitlabRunnerId: ids.gitlabRunnerBuild, running: 2, limit: 2 }],
    });
    await heartbeat(ids.idle, minutesAgo(8), idle);
    await heartbeat(ids.idle, minutesAgo(0), idle);

    const machine = await getMachine(ids.idle);
    expect(machine.pressure?.level).toBe('idle');
    // 2 + 3 waiting = 5, within the headroom floor(2 × 90 / 25) = 7
    expect(machine.pressure?.runners).toEqual([
      expect.objectContaining({
        runnerId: ids.build,
        running: 2,
        waiting: 3,
        effectiveLimit: 2,
        suggestedLimit: 5,
      }),
    ]);

    const list = await ctx.app.inject({ method: 'GET', url: '/api/v1/machines?q=pressure-idle' });
    expect(list.json<{ items: Machine[] }>().items[0]?.pressure?.level).toBe('idle');
  });

  it('does not flag an idle host whose runners have room', async () => {
    const idle = status({ cpu: 20, jobs: [{ gitlabRunnerId: ids.gitlabRunnerBuild, running: 1, limit: 2 }] });
    await heartbeat(ids.idle, minutesAgo(0), idle);
    const machine = await getMachine(ids.idle);
    expect(machine.pressure).toBeNull();
    expect(machine.host?.runningJobs).toBe(1);
  });
});
