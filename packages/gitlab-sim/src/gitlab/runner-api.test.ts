// Conformance of the runner API (lib/api/ci/runner.rb; what gitlab-runner's network/gitlab.go sends and reads).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitlabApiClient } from './api-client.js';
import { manualClock, type ManualClock } from './clock.js';
import { GitlabSimulator } from './simulator.js';

const ADMIN = 'glpat-admin-token-0000000';
const SYSTEM_ID = 's_0123456789ab';
let sim: GitlabSimulator;
let api: GitlabApiClient;
let runner: GitlabApiClient;
let clock: ManualClock;
let projectId: number;

beforeEach(async () => {
  clock = manualClock(new Date('2026-03-01T10:00:00Z'));
  sim = new GitlabSimulator({
    adminToken: ADMIN,
    seed: 11,
    clock,
    runnerTokenExpirationIntervalSeconds: 86_400,
  });
  projectId = sim.createProject({ name: 'shop', groupId: sim.createGroup('acme').id }).id;
  await sim.listen();
  api = new GitlabApiClient(sim.url, ADMIN);
  runner = new GitlabApiClient(sim.url);
});
afterEach(() => sim.close());

async function newRunner(body: Record<string, unknown> = {}): Promise<{ id: number; token: string }> {
  return (await api.post('/user/runners', { runner_type: 'instance_type', ...body })).json();
}

async function requestJob(token: string, extra: Record<string, unknown> = {}) {
  return runner.post('/jobs/request', { token, system_id: SYSTEM_ID, info: { version: '19.4.0' }, ...extra });
}

describe('POST /runners/verify', () => {
  it('answers 200 with id, token and token_expires_at and records the manager', async () => {
    const { id, token } = await newRunner();
    const res = await runner.post('/runners/verify', { token, system_id: SYSTEM_ID });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ id, token, token_expires_at: '2026-03-02T10:00:00.000Z' });
    const managers = await api
      .get(`/runners/${id}/managers`)
      .then((r) => r.json<Array<{ system_id: string }>>());
    expect(managers.map((m) => m.system_id)).toEqual([SYSTEM_ID]);
  });

  it('answers 403 {"message": "403 Forbidden"} to an unknown token and 400 without one', async () => {
    const bad = await runner.post('/runners/verify', { token: 'glrt-nope', system_id: SYSTEM_ID });
    expect(bad.status).toBe(403);
    expect(bad.json()).toEqual({ message: '403 Forbidden' });
    const missing = await runner.post('/runners/verify', { system_id: SYSTEM_ID });
    expect(missing.status).toBe(400);
    expect(missing.json()).toEqual({ error: 'token is missing' });
  });

  it('refuses an expired token with 403', async () => {
    const { token } = await newRunner();
    clock.advance(86_400_000);
    expect((await runner.post('/runners/verify', { token, system_id: SYSTEM_ID })).status).toBe(403);
    expect((await runner.post('/runners/reset_authentication_token', { token })).status).toBe(403);
  });
});

describe('POST /runners/reset_authentication_token', () => {
  it('answers 201 with a new token and expiry; the old token stops working', async () => {
    const { token } = await newRunner();
    clock.advance(3_600_000);
    const res = await runner.post('/runners/reset_authentication_token', { token });
    expect(res.status).toBe(201);
    const body = res.json<{ token: string; token_expires_at: string }>();
    expect(body.token).toMatch(/^glrt-t1_/);
    expect(body.token_expires_at).toBe('2026-03-02T11:00:00.000Z');
    expect((await runner.post('/runners/verify', { token })).status).toBe(403);
    expect((await runner.post('/runners/verify', { token: body.token })).status).toBe(200);
  });
});

describe('DELETE /runners/managers', () => {
  it('removes only the manager of that system_id (204), then answers 404', async () => {
    const { id, token } = await newRunner();
    await runner.post('/runners/verify', { token, system_id: SYSTEM_ID });
    await runner.post('/runners/verify', { token, system_id: 'r_other0000000' });
    const res = await runner.delete('/runners/managers', { token, system_id: SYSTEM_ID });
    expect(res.status).toBe(204);
    const left = await api.get(`/runners/${id}/managers`).then((r) => r.json<Array<{ system_id: string }>>());
    expect(left.map((m) => m.system_id)).toEqual(['r_other0000000']);
    const again = await runner.delete('/runners/managers', { token, system_id: SYSTEM_ID });
    expect(again.status).toBe(404);
    expect(again.json()).toEqual({ message: '404 Runner manager not found Not Found' });
    expect((await api.get(`/runners/${id}`)).status).toBe(200);
  });

  it('needs token and system_id', async () => {
    const res = await runner.delete('/runners/managers', {});
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'token is missing, system_id is missing' });
  });
});

describe('POST /jobs/request', () => {
  it('answers 204 with X-GitLab-Last-Update when there is no job, and at once for the same value', async () => {
    const { token } = await newRunner();
    const first = await requestJob(token);
    expect(first.status).toBe(204);
    const value = first.headers.get('x-gitlab-last-update');
    expect(value).toMatch(/^[0-9a-f]{16}$/);
    const again = await requestJob(token, { last_update: value });
    expect(again.status).toBe(204);
    expect(again.headers.get('x-gitlab-last-update')).toBe(value);
  });

  it('changes the queue value when a job for the runner is queued, and hands it out with 201', async () => {
    const { id, token } = await newRunner({
      tag_list: 'docker',
      description: 'fleet-a',
      maximum_timeout: 1800,
    });
    const value = (await requestJob(token)).headers.get('x-gitlab-last-update');
    const pipeline = sim.createPipeline({
      projectId,
      ref: 'main',
      jobs: [
        {
          name: 'build',
          stage: 'build',
          tags: ['docker'],
          script: ['make'],
          plan: { durationSeconds: 30, outcome: 'success' },
        },
      ],
    });
    clock.advance(2500);
    const res = await requestJob(token, { last_update: value });
    expect(res.status).toBe(201);
    const job = res.json<{
      id: number;
      token: string;
      variables: Array<{ key: string; value: string }>;
      [field: string]: unknown;
    }>();
    expect(job.token).toMatch(/^glcbt-/);
    expect(job.job_info).toMatchObject({
      name: 'build',
      stage: 'build',
      project_id: projectId,
      project_name: 'shop',
      time_in_queue_seconds: 2.5,
    });
    expect(job.git_info).toMatchObject({
      ref: 'main',
      ref_type: 'branch',
      sha: pipeline.sha,
      protected: true,
      refspecs: ['+refs/heads/main:refs/remotes/origin/main'],
    });
    expect(job.runner_info).toEqual({ timeout: 1800, runner_session_url: null });
    expect(job.steps).toEqual([
      { name: 'script', script: ['make'], timeout: 1800, when: 'on_success', allow_failure: false },
    ]);
    const vars = Object.fromEntries(job.variables.map((v) => [v.key, v.value]));
    expect(vars).toMatchObject({
      CI_JOB_ID: String(job.id),
      CI_JOB_TOKEN: job.token,
      CI_RUNNER_ID: String(id),
      SIM_JOB_DURATION_SECONDS: '30',
      SIM_JOB_OUTCOME: 'success',
    });
    expect(sim.job(job.id)?.status).toBe('running');
    expect((await requestJob(token)).status).toBe(204);
  });

  it('gives a paused runner no job', async () => {
    const { token } = await newRunner({ paused: true });
    sim.createPipeline({ projectId, ref: 'main', jobs: [{ name: 'a', stage: 'test' }] });
    expect((await requestJob(token)).status).toBe(204);
  });
});

describe('job traces and updates', () => {
  async function runningJob() {
    const { token } = await newRunner();
    sim.createPipeline({
      projectId,
      ref: 'main',
      jobs: [
        { name: 'a', stage: 'test' },
        { name: 'b', stage: 'deploy' },
      ],
    });
    return (await requestJob(token)).json<{ id: number; token: string }>();
  }

  const patch = (job: { id: number; token: string }, range: string, body: string, token = job.token) =>
    runner.patch(`/jobs/${job.id}/trace`, body, {
      headers: { 'JOB-TOKEN': token, 'Content-Range': range, 'Content-Type': 'text/plain' },
    });

  it('appends with 202, Range 0-<size> and Job-Status', async () => {
    const job = await runningJob();
    const first = await patch(job, '0-5', 'hello\n');
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe('0-6');
    expect(first.headers.get('job-status')).toBe('running');
    expect(first.headers.get('x-gitlab-trace-update-interval')).toBe('60');
    const second = await patch(job, '6-11', 'world\n');
    expect(second.headers.get('range')).toBe('0-12');
    const trace = await api.get(`/projects/${projectId}/jobs/${job.id}/trace`);
    expect(trace.text).toBe('hello\nworld\n');
    expect(trace.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(trace.headers.get('content-disposition')).toBe(`infile; filename="${job.id}.log"`);
  });

  it('answers a wrong offset with 416 and the range it has', async () => {
    const job = await runningJob();
    await patch(job, '0-3', 'abcd');
    const res = await patch(job, '10-12', 'xyz');
    expect(res.status).toBe(416);
    expect(res.headers.get('range')).toBe('0-4');
    expect(res.json()).toEqual({ error: '416 Range Not Satisfiable' });
  });

  it('needs Content-Range and the job token', async () => {
    const job = await runningJob();
    const noRange = await runner.patch(`/jobs/${job.id}/trace`, 'x', { headers: { 'JOB-TOKEN': job.token } });
    expect(noRange.status).toBe(400);
    expect(noRange.json()).toEqual({ error: '400 Missing header Content-Range' });
    const wrong = await patch(job, '0-0', 'x', 'glcbt-wrong');
    expect(wrong.status).toBe(403);
    expect(wrong.json()).toEqual({ message: '403 Forbidden' });
  });

  it('finishes the job on PUT state=success (200) and then refuses trace patches with its Job-Status', async () => {
    const job = await runningJob();
    const res = await runner.put(`/jobs/${job.id}`, { token: job.token, state: 'success' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('200');
    expect(res.headers.get('job-status')).toBe('success');
    expect(sim.job(job.id)?.status).toBe('success');
    const late = await patch(job, '0-0', 'x');
    expect(late.status).toBe(403);
    expect(late.headers.get('job-status')).toBe('success');
    expect(late.json()).toEqual({ message: '403 Forbidden - Job is not processing on runner' });
    // The next stage is queued once the first succeeded.
    expect([...sim.store.jobs.values()].map((j) => j.status)).toEqual(['success', 'pending']);
  });

  it('records failures with their reason and needs the token in the body', async () => {
    const job = await runningJob();
    const noToken = await runner.put(
      `/jobs/${job.id}`,
      { state: 'failed' },
      { headers: { 'JOB-TOKEN': job.token } },
    );
    expect(noToken.status).toBe(400);
    expect(noToken.json()).toEqual({ error: 'token is missing' });
    const res = await runner.put(`/jobs/${job.id}`, {
      token: job.token,
      state: 'failed',
      failure_reason: 'script_failure',
    });
    expect(res.status).toBe(200);
    const shown = await api
      .get(`/projects/${projectId}/jobs/${job.id}`)
      .then((r) => r.json<Record<string, unknown>>());
    expect(shown).toMatchObject({ status: 'failed', failure_reason: 'script_failure' });
    expect([...sim.store.jobs.values()].map((j) => j.status)).toEqual(['failed', 'skipped']);
  });

  it('tells the runner a cancelled job is over', async () => {
    const job = await runningJob();
    sim.cancelJob(job.id);
    const res = await patch(job, '0-0', 'x');
    expect(res.status).toBe(403);
    expect(res.headers.get('job-status')).toBe('canceled');
  });
});
