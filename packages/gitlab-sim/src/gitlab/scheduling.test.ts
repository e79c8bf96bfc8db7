// Which runner gets which job (Ci::Runner#matches_build?, doc/ci/runners/configure_runners.md: tags,
// run_untagged, paused, protected runners) and how a pipeline's stages move on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitlabApiClient } from './api-client.js';
import type { JobSpec } from './ci.js';
import { GitlabSimulator } from './simulator.js';

const ADMIN = 'glpat-admin-token-0000000';
let sim: GitlabSimulator;
let api: GitlabApiClient;
let shop: number;
let docs: number;
let acme: number;

beforeEach(async () => {
  sim = new GitlabSimulator({ adminToken: ADMIN, seed: 5 });
  acme = sim.createGroup('acme').id;
  shop = sim.createProject({ name: 'shop', groupId: acme, protectedRefs: ['main', 'v*'] }).id;
  docs = sim.createProject({ name: 'docs', groupId: sim.createGroup('other').id }).id;
  await sim.listen();
  api = new GitlabApiClient(sim.url, ADMIN);
});
afterEach(() => sim.close());

async function runnerToken(body: Record<string, unknown>): Promise<string> {
  const res = await api.post('/user/runners', { runner_type: 'instance_type', ...body });
  expect(res.status).toBe(201);
  return res.json<{ token: string }>().token;
}

async function take(token: string): Promise<string | undefined> {
  const res = await api.post('/jobs/request', { token, system_id: 's_000000000001' }, { token: null });
  if (res.status === 204) return undefined;
  expect(res.status).toBe(201);
  return res.json<{ job_info: { name: string } }>().job_info.name;
}

const job = (name: string, tags: string[] = [], stage = 'test'): JobSpec => ({ name, stage, tags });

describe('tags', () => {
  it('gives a tagged job only to a runner that has all its tags', async () => {
    sim.createPipeline({
      projectId: shop,
      ref: 'main',
      jobs: [job('needs-docker-linux', ['docker', 'linux'])],
    });
    expect(await take(await runnerToken({ tag_list: 'docker' }))).toBeUndefined();
    expect(await take(await runnerToken({ tag_list: 'linux,docker,gpu' }))).toBe('needs-docker-linux');
  });

  it('gives an untagged job only to runners that run untagged jobs', async () => {
    sim.createPipeline({ projectId: shop, ref: 'main', jobs: [job('plain')] });
    expect(await take(await runnerToken({ tag_list: 'docker', run_untagged: false }))).toBeUndefined();
    expect(await take(await runnerToken({ tag_list: 'docker' }))).toBe('plain');
  });

  it('picks up new tags after PUT /runners/:id', async () => {
    sim.createPipeline({ projectId: shop, ref: 'main', jobs: [job('gpu', ['gpu'])] });
    const created = await api
      .post('/user/runners', { runner_type: 'instance_type' })
      .then((r) => r.json<{ id: number; token: string }>());
    expect(await take(created.token)).toBeUndefined();
    await api.put(`/runners/${created.id}`, { tag_list: 'gpu' });
    expect(await take(created.token)).toBe('gpu');
  });
});

describe('protected refs and access levels', () => {
  it('gives ref_protected runners only jobs of protected refs; not_protected runners take both', async () => {
    sim.createPipeline({ projectId: shop, ref: 'feature/x', jobs: [job('unprotected')] });
    const protectedOnly = await runnerToken({ access_level: 'ref_protected' });
    expect(await take(protectedOnly)).toBeUndefined();
    sim.createPipeline({ projectId: shop, ref: 'v1.2.0', tag: true, jobs: [job('release')] });
    expect(await take(protectedOnly)).toBe('release');
    const any = await runnerToken({ access_level: 'not_protected' });
    expect(await take(any)).toBe('unprotected');
  });
});

describe('runner scope', () => {
  it('keeps project runners to their project and group runners to their group', async () => {
    sim.createPipeline({ projectId: docs, ref: 'main', jobs: [job('docs-job')] });
    const projectRunner = await runnerToken({ runner_type: 'project_type', project_id: shop });
    const groupRunner = await runnerToken({ runner_type: 'group_type', group_id: acme });
    expect(await take(projectRunner)).toBeUndefined();
    expect(await take(groupRunner)).toBeUndefined();
    sim.createPipeline({ projectId: shop, ref: 'main', jobs: [job('shop-1'), job('shop-2')] });
    expect(await take(groupRunner)).toBe('shop-1');
    expect(await take(projectRunner)).toBe('shop-2');
    expect(await take(await runnerToken({}))).toBe('docs-job');
  });

  it('serves the project with fewer jobs on instance runners first', async () => {
    sim.createPipeline({ projectId: shop, ref: 'main', jobs: [job('shop-1'), job('shop-2')] });
    sim.createPipeline({ projectId: docs, ref: 'main', jobs: [job('docs-1')] });
    const token = await runnerToken({});
    expect(await take(token)).toBe('shop-1');
    expect(await take(token)).toBe('docs-1');
    expect(await take(token)).toBe('shop-2');
  });
});

describe('pipelines', () => {
  it('queues a stage only after the previous one, and reports the pipeline status', async () => {
    const pipeline = sim.createPipeline({
      projectId: shop,
      ref: 'main',
      jobs: [job('compile', [], 'build'), job('unit', [], 'test'), job('lint', [], 'test')],
    });
    const statuses = () => [...sim.store.jobs.values()].map((j) => `${j.name}:${j.status}`);
    expect(statuses()).toEqual(['compile:pending', 'unit:created', 'lint:created']);
    expect(pipeline.status).toBe('pending');
    const token = await runnerToken({});
    const res = await api.post('/jobs/request', { token }, { token: null });
    const taken = res.json<{ id: number; token: string }>();
    expect(pipeline.status).toBe('running');
    await api.put(`/jobs/${taken.id}`, { token: taken.token, state: 'success' }, { token: null });
    expect(statuses()).toEqual(['compile:success', 'unit:pending', 'lint:pending']);
    for (let i = 0; i < 2; i++) {
      const next = (await api.post('/jobs/request', { token }, { token: null })).json<{
        id: number;
        token: string;
      }>();
      await api.put(`/jobs/${next.id}`, { token: next.token, state: 'success' }, { token: null });
    }
    expect(pipeline.status).toBe('success');
  });

  it('lets an allowed failure pass', async () => {
    const pipeline = sim.createPipeline({
      projectId: shop,
      ref: 'main',
      jobs: [{ name: 'flaky', stage: 'test', allowFailure: true }, job('deploy', [], 'deploy')],
    });
    const token = await runnerToken({});
    const taken = (await api.post('/jobs/request', { token }, { token: null })).json<{
      id: number;
      token: string;
    }>();
    await api.put(`/jobs/${taken.id}`, { token: taken.token, state: 'failed' }, { token: null });
    expect(sim.store.jobs.get(taken.id + 1)?.status).toBe('pending');
    expect(pipeline.status).toBe('running');
  });
});
