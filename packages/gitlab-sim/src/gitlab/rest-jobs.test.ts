// Conformance of the REST jobs API (doc/api/jobs.md) and GET /runners/:id/jobs (doc/api/runners.md).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitlabApiClient } from './api-client.js';
import { manualClock, type ManualClock } from './clock.js';
import { GitlabSimulator } from './simulator.js';

const ADMIN = 'glpat-admin-token-0000000';
let sim: GitlabSimulator;
let api: GitlabApiClient;
let clock: ManualClock;
let projectId: number;

beforeEach(async () => {
  clock = manualClock(new Date('2026-03-01T10:00:00Z'));
  sim = new GitlabSimulator({ adminToken: ADMIN, seed: 2, clock, externalUrl: 'https://gitlab.example.com' });
  projectId = sim.createProject({ name: 'Web Shop', groupId: sim.createGroup('Acme').id }).id;
  sim.createPipeline({
    projectId,
    ref: 'main',
    jobs: [
      { name: 'compile', stage: 'build', tags: ['linux', 'docker'] },
      { name: 'unit', stage: 'test' },
    ],
  });
  await sim.listen();
  api = new GitlabApiClient(sim.url, ADMIN);
});
afterEach(() => sim.close());

async function runFirstJob(): Promise<{ runnerId: number; jobId: number }> {
  const created = await api.post('/user/runners', {
    runner_type: 'instance_type',
    tag_list: 'docker,linux',
    description: 'fleet',
  });
  const { id: runnerId, token } = created.json<{ id: number; token: string }>();
  clock.advance(4000);
  const job = (
    await api.post(
      '/jobs/request',
      { token, system_id: 's_aaaaaaaaaaaa', info: { version: '19.4.0' } },
      { token: null },
    )
  ).json<{ id: number; token: string }>();
  clock.advance(10_500);
  await api.put(`/jobs/${job.id}`, { token: job.token, state: 'success' }, { token: null });
  return { runnerId, jobId: job.id };
}

describe('GET /projects/:id/jobs', () => {
  it('lists jobs newest first with the documented fields', async () => {
    const { runnerId, jobId } = await runFirstJob();
    const res = await api.get(`/projects/${projectId}/jobs`);
    expect(res.status).toBe(200);
    const jobs = res.json<Array<Record<string, unknown>>>();
    expect(jobs.map((j) => j.name)).toEqual(['unit', 'compile']);
    const done = jobs[1] as Record<string, unknown>;
    expect(done).toMatchObject({
      id: jobId,
      status: 'success',
      stage: 'build',
      name: 'compile',
      ref: 'main',
      tag: false,
      coverage: null,
      allow_failure: false,
      created_at: '2026-03-01T10:00:00.000Z',
      started_at: '2026-03-01T10:00:04.000Z',
      finished_at: '2026-03-01T10:00:14.500Z',
      erased_at: null,
      duration: 10.5,
      queued_duration: 4,
      tag_list: ['docker', 'linux'],
      web_url: `https://gitlab.example.com/acme/web-shop/-/jobs/${jobId}`,
      artifacts: [],
      archived: false,
      project: { ci_job_token_scope_enabled: false },
    });
    expect(done.pipeline).toMatchObject({
      project_id: projectId,
      ref: 'main',
      status: 'running',
      source: 'push',
    });
    expect(done.runner).toMatchObject({
      id: runnerId,
      description: 'fleet',
      runner_type: 'instance_type',
      is_shared: true,
    });
    expect(done.runner_manager).toMatchObject({ system_id: 's_aaaaaaaaaaaa', version: '19.4.0' });
    expect(done.user).toMatchObject({ username: 'root' });
    const sha = (done.pipeline as { sha: string }).sha;
    expect(done.commit).toMatchObject({ id: sha, short_id: sha.slice(0, 8) });
    expect(jobs[0]).toMatchObject({
      status: 'pending',
      started_at: null,
      duration: null,
      runner: null,
      runner_manager: null,
    });
    expect(jobs[0]).not.toHaveProperty('failure_reason');
  });

  it('filters by scope and scope[], and refuses unknown scopes', async () => {
    await runFirstJob();
    const names = async (query: string) =>
      (await api.get(`/projects/${projectId}/jobs?${query}`))
        .json<Array<{ name: string }>>()
        .map((j) => j.name);
    expect(await names('scope=success')).toEqual(['compile']);
    expect(await names('scope[]=pending&scope[]=success')).toEqual(['unit', 'compile']);
    expect(await names('scope[]=running')).toEqual([]);
    const bad = await api.get(`/projects/${projectId}/jobs?scope[]=done`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: 'scope does not have a valid value' });
  });

  it('finds a project by URL-encoded path and answers 404 for unknown projects and jobs', async () => {
    expect((await api.get('/projects/acme%2Fweb-shop/jobs')).status).toBe(200);
    const project = await api.get('/projects/999/jobs');
    expect(project.status).toBe(404);
    expect(project.json()).toEqual({ message: '404 Project Not Found' });
    const job = await api.get(`/projects/${projectId}/jobs/999`);
    expect(job.status).toBe(404);
    expect(job.json()).toEqual({ message: '404 Not found' });
  });

  it('hides projects from users who are not members', async () => {
    const dev = sim.createUser('dev');
    const token = sim.createAccessToken({ userId: dev.id }).token;
    expect((await api.get(`/projects/${projectId}/jobs`, { token })).status).toBe(404);
  });
});

describe('GET /runners/:id/jobs', () => {
  it('lists the runner jobs with their project, filtered by status and system_id', async () => {
    const { runnerId, jobId } = await runFirstJob();
    const res = await api.get(`/runners/${runnerId}/jobs?status=success`);
    expect(res.status).toBe(200);
    const jobs = res.json<Array<Record<string, unknown>>>();
    expect(jobs.map((j) => j.id)).toEqual([jobId]);
    expect(jobs[0]?.project).toEqual({
      id: projectId,
      description: null,
      name: 'Web Shop',
      name_with_namespace: 'Acme / Web Shop',
      path: 'web-shop',
      path_with_namespace: 'acme/web-shop',
      created_at: '2026-03-01T10:00:00.000Z',
    });
    expect(res.headers.get('x-total')).toBe('1');
    expect(res.headers.get('link')).toContain('sort=desc');
    expect((await api.get(`/runners/${runnerId}/jobs?status=running`)).json()).toEqual([]);
    const byManager = await api.get(`/runners/${runnerId}/jobs?system_id=s_aaaaaaaaaaaa`);
    expect(byManager.json<unknown[]>()).toHaveLength(1);
    expect(byManager.headers.get('x-total')).toBeNull();
    expect((await api.get(`/runners/${runnerId}/jobs?system_id=s_unknown00000`)).json()).toEqual([]);
  });
});
