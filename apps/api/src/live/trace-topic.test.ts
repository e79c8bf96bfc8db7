/**
 * Live job logs end to end: 50 browsers (real websockets on `/live`) watch one running job of the GitLab
 * simulator; the API reads the log once per interval whatever their number, sends each only new bytes with
 * their offset, lets a reconnecting viewer resume from its offset, and stops when the job has ended.
 */
import type { AddressInfo } from 'node:net';
import type { LiveServerMessage } from '@paddock/contracts';
import { GitlabSimulator } from '@paddock/gitlab-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { factories } from '../../test/support/factories.js';
import { useTestApp } from '../../test/support/test-db.js';
import { jobsRepository } from '../modules/jobs/jobs.repository.js';

const INTERVAL_MS = 250;
const ctx = useTestApp({ env: { PADDOCK_TRACE_POLL_MS: String(INTERVAL_MS) } });
const sim = new GitlabSimulator({ seed: 3 });
let liveUrl: string;
let snapshotId: string;
let gitlabJobId: number;

const TRACE_ROUTE = 'GET /projects/:id/jobs/:job_id/trace';

beforeAll(async () => {
  await sim.listen();
  const group = sim.createGroup('platform');
  const project = sim.createProject({ name: 'api', groupId: group.id });
  const pipeline = sim.createPipeline({
    projectId: project.id,
    ref: 'main',
    jobs: [{ name: 'build', stage: 'build' }],
  });
  const job = sim.store.jobsOfPipeline(pipeline.id)[0]!;
  gitlabJobId = job.id;
  job.status = 'running';
  job.trace = Buffer.from('line 1\n');

  const f = factories(ctx.db, ctx.secrets);
  const instance = await f.gitlabInstance({
    url: sim.url,
    accessTokenCiphertext: ctx.secrets.encrypt(sim.adminToken, 'gitlab-access-token'),
  });
  await jobsRepository(ctx.db.prisma).upsertSnapshots(instance.id, [
    {
      gitlabJobId: job.id,
      projectId: project.id,
      projectPath: 'platform/api',
      pipelineId: pipeline.id,
      gitlabRunnerId: null,
      name: 'build',
      stage: 'build',
      ref: 'main',
      refProtected: true,
      status: 'running',
      tags: [],
      failureReason: null,
      webUrl: null,
      queuedAt: new Date(),
      startedAt: new Date(),
      finishedAt: null,
      createdAt: new Date(),
    },
  ]);
  snapshotId = (await ctx.db.prisma.jobSnapshot.findFirstOrThrow({ select: { id: true } })).id;
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  liveUrl = `ws://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}/live`;
});
afterAll(() => sim.close());

/** One browser: its log as received, checked piece by piece against the offsets. */
async function viewer(offset?: number) {
  const socket = new WebSocket(liveUrl, { headers: { authorization: ctx.admin.bearer } });
  const state = { text: '', size: offset ?? 0, ended: false, errors: [] as string[] };
  socket.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as LiveServerMessage;
    if (m.type === 'trace') {
      // Pieces arrive in order and never overlap: each starts where the last one ended.
      if (m.offset !== state.size) state.errors.push(`piece at ${m.offset}, expected ${state.size}`);
      state.text += m.data;
      state.size = m.offset + Buffer.byteLength(m.data);
    }
    if (m.type === 'traceEnd') state.ended = true;
    if (m.type === 'traceError' || m.type === 'error') state.errors.push(m.message);
  });
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(
    JSON.stringify({
      type: 'subscribe',
      topic: `trace:${snapshotId}`,
      ...(offset !== undefined && { offset }),
    }),
  );
  return { socket, state };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const append = (text: string) => {
  const job = sim.job(gitlabJobId)!;
  job.trace = Buffer.concat([job.trace, Buffer.from(text)]);
};

describe('live job logs', () => {
  it('read once per interval for 50 viewers, who each get every byte once, in order', async () => {
    sim.requests.reset();
    const viewers = await Promise.all(Array.from({ length: 50 }, () => viewer()));
    await until(() => viewers.every((v) => v.state.text === 'line 1\n'), 'the first line');

    for (let i = 2; i <= 4; i++) {
      append(`line ${i} \u001b[32mok\u001b[0m ✓\n`);
      await until(
        () => viewers.every((v) => v.state.text.endsWith(`line ${i} \u001b[32mok\u001b[0m ✓\n`)),
        `line ${i}`,
      );
    }
    // One log read per poll of the single poller, not per viewer.
    expect(sim.requests.count(TRACE_ROUTE)).toBe(ctx.app.liveHub.traceReads);
    expect(ctx.app.liveHub.tracesWatched).toBe(1);
    for (const v of viewers) expect(v.state.errors).toEqual([]);

    // A viewer that reconnects with the bytes it holds gets only what follows.
    const held = viewers[0]!.state.size;
    append('line 5\n');
    const resumed = await viewer(held);
    await until(() => resumed.state.text === 'line 5\n', 'the resumed viewer');
    expect(resumed.state.errors).toEqual([]);

    // The job ends: every viewer is told, and polling stops.
    append('Job succeeded\n');
    sim.job(gitlabJobId)!.status = 'success';
    await until(() => [...viewers, resumed].every((v) => v.state.ended), 'the end of the job');
    expect(viewers[10]!.state.text.endsWith('Job succeeded\n')).toBe(true);
    await until(() => ctx.app.liveHub.tracesWatched === 0, 'the poller to stop');
    const reads = sim.requests.count(TRACE_ROUTE);
    await new Promise((r) => setTimeout(r, INTERVAL_MS * 3));
    expect(sim.requests.count(TRACE_ROUTE)).toBe(reads);
    for (const v of [...viewers, resumed]) v.socket.close();
  });

  it('stops reading a running job when its last viewer leaves', async () => {
    const job = sim.job(gitlabJobId)!;
    job.status = 'running';
    const v = await viewer();
    await until(() => v.state.text.includes('line 1'), 'the log');
    expect(ctx.app.liveHub.tracesWatched).toBe(1);
    v.socket.close();
    await until(() => ctx.app.liveHub.tracesWatched === 0, 'the poller to stop');
  });

  it('tells a viewer of an unknown job, without polling anything', async () => {
    const socket = new WebSocket(liveUrl, { headers: { authorization: ctx.admin.bearer } });
    const messages: LiveServerMessage[] = [];
    socket.on('message', (raw) => messages.push(JSON.parse(String(raw)) as LiveServerMessage));
    await new Promise((resolve) => socket.once('open', resolve));
    sim.requests.reset();
    socket.send(JSON.stringify({ type: 'subscribe', topic: 'trace:0190f1a2-0000-7000-8000-000000000fff' }));
    await until(() => messages.some((m) => m.type === 'traceError'), 'the error');
    expect(messages.find((m) => m.type === 'traceError')).toMatchObject({ message: 'There is no such job.' });
    expect(sim.requests.count(TRACE_ROUTE)).toBe(0);
    socket.close();
  });
});
