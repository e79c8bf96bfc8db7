// Conformance of a group's projects (doc/api/groups.md) and a project's protected branches and tags
// (doc/api/protected_branches.md, doc/api/protected_tags.md).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitlabApiClient } from './api-client.js';
import { GitlabSimulator } from './simulator.js';

const ADMIN = 'glpat-admin-token-0000000';
let sim: GitlabSimulator;
let api: GitlabApiClient;
let groupId: number;
let projectIds: number[];

beforeEach(async () => {
  sim = new GitlabSimulator({ adminToken: ADMIN, seed: 4, externalUrl: 'https://gitlab.example.com' });
  groupId = sim.createGroup('Acme').id;
  const other = sim.createGroup('Other').id;
  projectIds = Array.from(
    { length: 3 },
    (_, i) => sim.createProject({ name: `Service ${i}`, groupId, protectedRefs: ['main', 'release/*'] }).id,
  );
  sim.createProject({ name: 'Elsewhere', groupId: other });
  await sim.listen();
  api = new GitlabApiClient(sim.url, ADMIN);
});
afterEach(() => sim.close());

describe('GET /groups/:id/projects', () => {
  it("lists the group's projects, paginated with GitLab's headers", async () => {
    const first = await api.get(`/groups/${groupId}/projects?include_subgroups=true&simple=true&per_page=2`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-total')).toBe('3');
    expect(first.headers.get('x-next-page')).toBe('2');
    const page1 = first.json<Array<{ id: number; path_with_namespace: string; web_url: string }>>();
    const second = await api.get(
      `/groups/${groupId}/projects?include_subgroups=true&simple=true&per_page=2&page=2`,
    );
    const page2 = second.json<Array<{ id: number }>>();
    expect([...page1, ...page2].map((p) => p.id).sort()).toEqual([...projectIds].sort());
    expect(page1[0]!.path_with_namespace).toMatch(/^acme\/service-\d$/);
    expect(page1[0]!.web_url).toBe(`https://gitlab.example.com/${page1[0]!.path_with_namespace}`);
  });

  it('answers 404 for an unknown group and 401 without a token', async () => {
    expect((await api.get('/groups/999/projects')).json()).toEqual({ message: '404 Group Not Found' });
    const anonymous = new GitlabApiClient(sim.url);
    expect((await anonymous.get(`/groups/${groupId}/projects`)).status).toBe(401);
  });
});

describe('GET /projects/:id/protected_branches and protected_tags', () => {
  it("lists the project's protected ref names and patterns", async () => {
    const branches = await api.get(`/projects/${projectIds[0]}/protected_branches`);
    expect(branches.status).toBe(200);
    expect(branches.json<Array<{ name: string }>>().map((b) => b.name)).toEqual(['main', 'release/*']);
    const tags = await api.get(`/projects/${projectIds[0]}/protected_tags`);
    expect(tags.json<Array<{ name: string }>>().map((t) => t.name)).toEqual(['main', 'release/*']);
    expect((await api.get('/projects/999/protected_branches')).json()).toEqual({
      message: '404 Project Not Found',
    });
  });
});
