// Offset pagination headers (doc/api/rest/_index.md#pagination, Gitlab::Pagination::OffsetHeaderBuilder).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitlabApiClient } from './api-client.js';
import { GitlabSimulator } from './simulator.js';

const ADMIN = 'glpat-admin-token-0000000';
let sim: GitlabSimulator;
let api: GitlabApiClient;

beforeEach(async () => {
  sim = new GitlabSimulator({ adminToken: ADMIN, seed: 3, externalUrl: 'https://gitlab.example.com' });
  for (let i = 0; i < 45; i++)
    sim.runners.create(sim.admin, {
      runnerType: 'instance_type',
      description: `r${i}`,
      tagList: i % 2 ? ['odd'] : [],
    });
  await sim.listen();
  api = new GitlabApiClient(sim.url, ADMIN);
});
afterEach(() => sim.close());

const base = 'https://gitlab.example.com/api/v4/runners/all';

describe('offset pagination', () => {
  it('defaults to 20 per page and sends every header', async () => {
    const res = await api.get('/runners/all');
    expect(res.json<unknown[]>()).toHaveLength(20);
    expect(res.headers.get('x-total')).toBe('45');
    expect(res.headers.get('x-total-pages')).toBe('3');
    expect(res.headers.get('x-per-page')).toBe('20');
    expect(res.headers.get('x-page')).toBe('1');
    expect(res.headers.get('x-next-page')).toBe('2');
    expect(res.headers.get('x-prev-page')).toBe('');
    expect(res.headers.get('link')).toBe(
      `<${base}?page=2&per_page=20>; rel="next", <${base}?page=1&per_page=20>; rel="first", <${base}?page=3&per_page=20>; rel="last"`,
    );
  });

  it('links prev, next, first, last in that order from a middle page, keeping the filters sorted', async () => {
    const res = await api.get('/runners/all?type=instance_type&page=2&per_page=10');
    expect(res.json<Array<{ id: number }>>().map((r) => r.id)).toEqual([
      11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    ]);
    expect(res.headers.get('x-next-page')).toBe('3');
    expect(res.headers.get('x-prev-page')).toBe('1');
    expect(res.headers.get('x-total-pages')).toBe('5');
    const q = (page: number) => `${base}?page=${page}&per_page=10&type=instance_type`;
    expect(res.headers.get('link')).toBe(
      `<${q(1)}>; rel="prev", <${q(3)}>; rel="next", <${q(1)}>; rel="first", <${q(5)}>; rel="last"`,
    );
  });

  it('has no next page on the last page', async () => {
    const res = await api.get('/runners/all?page=3');
    expect(res.json<unknown[]>()).toHaveLength(5);
    expect(res.headers.get('x-next-page')).toBe('');
    expect(res.headers.get('x-prev-page')).toBe('2');
    expect(res.headers.get('link')).not.toContain('rel="next"');
  });

  it('caps per_page at 100', async () => {
    const res = await api.get('/runners/all?per_page=500');
    expect(res.json<unknown[]>()).toHaveLength(45);
    expect(res.headers.get('x-per-page')).toBe('100');
    expect(res.headers.get('x-total-pages')).toBe('1');
  });

  it('answers an empty page past the end without prev or next, total pages at least 1', async () => {
    const past = await api.get('/runners/all?page=9');
    expect(past.json()).toEqual([]);
    expect(past.headers.get('x-prev-page')).toBe('');
    expect(past.headers.get('x-next-page')).toBe('');
    const none = await api.get('/runners/all?tag_list=nothing');
    expect(none.headers.get('x-total')).toBe('0');
    expect(none.headers.get('x-total-pages')).toBe('1');
  });

  it('refuses a page that is not a number', async () => {
    const res = await api.get('/runners/all?page=two');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'page is invalid' });
  });

  it('puts path parameters and array parameters in the links, as Rails to_query does', async () => {
    const group = sim.createGroup('g');
    const project = sim.createProject({ name: 'p', groupId: group.id });
    for (let i = 0; i < 3; i++)
      sim.createPipeline({ projectId: project.id, ref: 'main', jobs: [{ name: 'a', stage: 'test' }] });
    const res = await api.get(`/projects/${project.id}/jobs?scope[]=pending&scope[]=created&per_page=2`);
    expect(res.json<unknown[]>()).toHaveLength(2);
    // The jobs list is not counted: no totals and no rel="last".
    expect(res.headers.get('x-total')).toBeNull();
    expect(res.headers.get('x-total-pages')).toBeNull();
    const q = (page: number) =>
      `https://gitlab.example.com/api/v4/projects/${project.id}/jobs?id=${project.id}&page=${page}&per_page=2&scope%5B%5D=created&scope%5B%5D=pending`;
    expect(res.headers.get('link')).toBe(`<${q(2)}>; rel="next", <${q(1)}>; rel="first"`);
  });
});
