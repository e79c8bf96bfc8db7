// Conformance of the REST runners API with doc/api/runners.md and doc/api/users.md#create-a-runner.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitlabApiClient } from './api-client.js';
import { GitlabSimulator } from './simulator.js';

const ADMIN = 'glpat-admin-token-0000000';
let sim: GitlabSimulator;
let api: GitlabApiClient;
let projectId: number;
let groupId: number;

beforeEach(async () => {
  sim = new GitlabSimulator({ adminToken: ADMIN, seed: 7 });
  const group = sim.createGroup('Acme');
  groupId = group.id;
  projectId = sim.createProject({ name: 'Web Shop', groupId }).id;
  await sim.listen();
  api = new GitlabApiClient(sim.url, ADMIN);
});
afterEach(() => sim.close());

async function createRunner(body: Record<string, unknown>): Promise<{ id: number; token: string }> {
  const res = await api.post('/user/runners', body);
  expect(res.status).toBe(201);
  return res.json();
}

describe('POST /user/runners', () => {
  it('creates a runner and answers 201 with id, a glrt- token and token_expires_at', async () => {
    const res = await api.post('/user/runners', {
      runner_type: 'instance_type',
      description: 'fleet-a',
      tag_list: 'docker,linux',
    });
    expect(res.status).toBe(201);
    const body = res.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['id', 'token', 'token_expires_at']);
    expect(body.token).toMatch(/^glrt-t1_/);
    expect(body.token_expires_at).toBeNull();
  });

  it('gives group and project runners their partition prefix', async () => {
    const group = await createRunner({ runner_type: 'group_type', group_id: groupId });
    const project = await createRunner({ runner_type: 'project_type', project_id: projectId });
    expect(group.token).toMatch(/^glrt-t2_/);
    expect(project.token).toMatch(/^glrt-t3_/);
  });

  it.each([
    [{}, 'runner_type is missing'],
    [{ runner_type: 'group_type' }, 'group_id is missing'],
    [{ runner_type: 'project_type' }, 'project_id is missing'],
    [{ runner_type: 'shared' }, 'runner_type does not have a valid value'],
    [
      { runner_type: 'instance_type', access_level: 'everything' },
      'access_level does not have a valid value',
    ],
    [{ runner_type: 'instance_type', maximum_timeout: 'soon' }, 'maximum_timeout is invalid'],
    [{ runner_type: 'instance_type', paused: 'perhaps' }, 'paused is invalid'],
  ])('refuses %j with 400 {"error": "%s"}', async (body, error) => {
    const res = await api.post('/user/runners', body);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error });
  });

  it('answers 400 for a project that does not exist', async () => {
    const res = await api.post('/user/runners', { runner_type: 'project_type', project_id: 999 });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: '400 Bad request - Missing/invalid scope' });
  });

  it('refuses a model-invalid maximum_timeout with {"message": {field: [..]}}', async () => {
    const res = await api.post('/user/runners', { runner_type: 'instance_type', maximum_timeout: 60 });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: { maximum_timeout: ['needs to be at least 10 minutes'] } });
  });

  it('lets only administrators create instance runners', async () => {
    const dev = sim.createUser('dev');
    const token = sim.createAccessToken({ userId: dev.id }).token;
    const res = await api.post('/user/runners', { runner_type: 'instance_type' }, { token });
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({ message: '403 Forbidden - Insufficient permissions' });
  });

  it('sets token_expires_at from the instance expiration interval', async () => {
    await sim.close();
    sim = new GitlabSimulator({ adminToken: ADMIN, runnerTokenExpirationIntervalSeconds: 3600 });
    await sim.listen();
    api = new GitlabApiClient(sim.url, ADMIN);
    const before = Date.now();
    const body = await api
      .post('/user/runners', { runner_type: 'instance_type' })
      .then((r) => r.json<{ token_expires_at: string }>());
    const expires = Date.parse(body.token_expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });
});

describe('GET /runners/:id', () => {
  it("returns the runner's details with GitLab's fields", async () => {
    const { id } = await createRunner({
      runner_type: 'project_type',
      project_id: projectId,
      description: 'builder',
      tag_list: ['docker', 'linux'],
      run_untagged: false,
      locked: true,
      access_level: 'ref_protected',
      maximum_timeout: 3600,
      maintenance_note: 'rack 4',
      paused: true,
    });
    const res = await api.get(`/runners/${id}`);
    expect(res.status).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      id,
      description: 'builder',
      ip_address: null,
      active: false,
      paused: true,
      is_shared: false,
      runner_type: 'project_type',
      name: null,
      online: false,
      status: 'never_contacted',
      tag_list: ['docker', 'linux'],
      run_untagged: false,
      locked: true,
      maximum_timeout: 3600,
      access_level: 'ref_protected',
      maintenance_note: 'rack 4',
      contacted_at: null,
      version: null,
      job_execution_status: 'idle',
      projects: [{ id: projectId, name: 'Web Shop', path: 'web-shop', path_with_namespace: 'acme/web-shop' }],
      groups: [],
    });
    expect(body.created_by).toMatchObject({ id: sim.admin.id, username: 'root' });
  });

  it('answers 404 {"message": "404 Runner Not Found"} for an unknown id and 400 for a bad one', async () => {
    const missing = await api.get('/runners/4242');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: '404 Runner Not Found' });
    const bad = await api.get('/runners/abc');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: 'id is invalid' });
  });

  it('shows online status and version after the runner contacts GitLab', async () => {
    const { id, token } = await createRunner({ runner_type: 'instance_type' });
    await api.post(
      '/runners/verify',
      {
        token,
        system_id: 's_0123456789ab',
        info: { version: '19.4.0', platform: 'linux', architecture: 'amd64' },
      },
      { token: null },
    );
    const body = await api.get(`/runners/${id}`).then((r) => r.json<Record<string, unknown>>());
    expect(body).toMatchObject({
      online: true,
      status: 'online',
      version: '19.4.0',
      platform: 'linux',
      architecture: 'amd64',
    });
    expect(typeof body.contacted_at).toBe('string');
  });
});

describe('PUT /runners/:id', () => {
  it('changes the runner and returns its details', async () => {
    const { id } = await createRunner({ runner_type: 'instance_type', tag_list: 'a' });
    const res = await api.put(`/runners/${id}`, {
      tag_list: 'ruby,mysql',
      description: 'renamed',
      active: false,
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      tag_list: ['ruby', 'mysql'],
      description: 'renamed',
      paused: true,
      active: false,
    });
    const again = await api.put(`/runners/${id}`, {
      paused: false,
      access_level: 'ref_protected',
      maximum_timeout: 900,
    });
    expect(again.json()).toMatchObject({
      paused: false,
      access_level: 'ref_protected',
      maximum_timeout: 900,
    });
  });

  it('needs at least one attribute and refuses active with paused', async () => {
    const { id } = await createRunner({ runner_type: 'instance_type' });
    const none = await api.put(`/runners/${id}`, {});
    expect(none.status).toBe(400);
    expect(none.json()).toEqual({
      error:
        'description, active, paused, tag_list, run_untagged, locked, access_level, maximum_timeout, maintenance_note are missing, at least one parameter must be provided',
    });
    const both = await api.put(`/runners/${id}`, { active: true, paused: true });
    expect(both.json()).toEqual({ error: 'active, paused are mutually exclusive' });
  });

  it('refuses a note over 1024 characters with a validation message', async () => {
    const { id } = await createRunner({ runner_type: 'instance_type' });
    const res = await api.put(`/runners/${id}`, { maintenance_note: 'x'.repeat(1025) });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      message: { maintenance_note: ['is too long (maximum is 1024 characters)'] },
    });
  });
});

describe('DELETE /runners/:id and token resets', () => {
  it('deletes with 204 and the runner is gone', async () => {
    const { id } = await createRunner({ runner_type: 'instance_type' });
    const res = await api.delete(`/runners/${id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await api.get(`/runners/${id}`)).status).toBe(404);
  });

  it('resets the authentication token: 201, a new token, and the old one stops working', async () => {
    const { id, token } = await createRunner({ runner_type: 'instance_type' });
    const res = await api.post(`/runners/${id}/reset_authentication_token`);
    expect(res.status).toBe(201);
    const body = res.json<{ token: string; token_expires_at: null }>();
    expect(Object.keys(body).sort()).toEqual(['token', 'token_expires_at']);
    expect(body.token).toMatch(/^glrt-t1_/);
    expect(body.token).not.toBe(token);
    expect((await api.post('/runners/verify', { token }, { token: null })).status).toBe(403);
    expect((await api.post('/runners/verify', { token: body.token }, { token: null })).status).toBe(200);
  });
});

describe('GET /runners and GET /runners/all', () => {
  beforeEach(async () => {
    await createRunner({ runner_type: 'instance_type', tag_list: 'docker,linux' });
    await createRunner({ runner_type: 'group_type', group_id: groupId, tag_list: 'docker', paused: true });
    await createRunner({ runner_type: 'project_type', project_id: projectId, tag_list: 'gpu' });
  });

  const ids = async (path: string, token?: string) => {
    const res = await api.get(path, token === undefined ? {} : { token });
    expect(res.status).toBe(200);
    return res.json<Array<{ id: number }>>().map((r) => r.id);
  };

  it('lists owned runners (group and project) and all runners for an administrator', async () => {
    expect(await ids('/runners')).toEqual([2, 3]);
    expect(await ids('/runners/all')).toEqual([1, 2, 3]);
  });

  it('filters by type, paused, status and tag_list', async () => {
    expect(await ids('/runners/all?type=group_type')).toEqual([2]);
    expect(await ids('/runners/all?paused=true')).toEqual([2]);
    expect(await ids('/runners/all?paused=false')).toEqual([1, 3]);
    expect(await ids('/runners/all?status=paused')).toEqual([2]);
    expect(await ids('/runners/all?status=never_contacted')).toEqual([1, 2, 3]);
    expect(await ids('/runners/all?status=online')).toEqual([]);
    expect(await ids('/runners/all?tag_list=docker')).toEqual([1, 2]);
    expect(await ids('/runners/all?tag_list=docker,linux')).toEqual([1]);
    expect(await ids('/runners/all?scope=shared')).toEqual([1]);
  });

  it('lists runner objects with the basic fields only', async () => {
    const [first] = await api.get('/runners/all').then((r) => r.json<Array<Record<string, unknown>>>());
    expect(Object.keys(first ?? {}).sort()).toEqual(
      [
        'active',
        'created_at',
        'created_by',
        'description',
        'id',
        'ip_address',
        'is_shared',
        'job_execution_status',
        'name',
        'online',
        'paused',
        'runner_type',
        'status',
      ].sort(),
    );
  });

  it('refuses bad filter values', async () => {
    const res = await api.get('/runners/all?type=big');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'type does not have a valid value' });
  });

  it('keeps /runners/all to administrators', async () => {
    const dev = sim.createUser('dev');
    const token = sim.createAccessToken({ userId: dev.id }).token;
    const res = await api.get('/runners/all', { token });
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({ message: '403 Forbidden' });
    expect(await ids('/runners', token)).toEqual([]);
    expect((await api.get('/runners/1', { token })).status).toBe(200);
    const other = await api.get('/runners/3', { token });
    expect(other.status).toBe(403);
    expect(other.json()).toEqual({ message: '403 Forbidden - No access granted' });
  });
});

describe('GET /runners/:id/managers', () => {
  it('lists one manager per system_id with its fields', async () => {
    const { id, token } = await createRunner({ runner_type: 'instance_type' });
    const verify = (systemId: string) =>
      api.post(
        '/runners/verify',
        {
          token,
          system_id: systemId,
          info: { version: '19.4.0', revision: 'd79f3e7b', platform: 'linux', architecture: 'arm64' },
        },
        { token: null },
      );
    await verify('s_aaaaaaaaaaaa');
    await verify('s_aaaaaaaaaaaa');
    await verify('r_bbbbbbbbbbbb');
    const res = await api.get(`/runners/${id}/managers`);
    expect(res.status).toBe(200);
    const managers = res.json<Array<Record<string, unknown>>>();
    expect(managers.map((m) => m.system_id)).toEqual(['s_aaaaaaaaaaaa', 'r_bbbbbbbbbbbb']);
    expect(managers[0]).toMatchObject({
      version: '19.4.0',
      revision: 'd79f3e7b',
      platform: 'linux',
      architecture: 'arm64',
      ip_address: '127.0.0.1',
      status: 'online',
      job_execution_status: 'idle',
    });
    expect(Object.keys(managers[0] ?? {}).sort()).toEqual([
      'architecture',
      'contacted_at',
      'created_at',
      'id',
      'ip_address',
      'job_execution_status',
      'platform',
      'revision',
      'status',
      'system_id',
      'version',
    ]);
  });
});
