import { describe, expect, it } from 'vitest';
import {
  CreateGitlabInstanceBody,
  Labels,
  ListMachinesQuery,
  ListRunnersQuery,
  UpdateGitlabInstanceBody,
} from './index.js';

describe('contracts', () => {
  it('normalise GitLab URLs and refuse unsafe ones', () => {
    const ok = CreateGitlabInstanceBody.parse({
      name: ' Main ',
      url: 'https://gitlab.example.com//',
      accessToken: 'glpat-12345678',
    });
    expect(ok).toEqual({ name: 'Main', url: 'https://gitlab.example.com', accessToken: 'glpat-12345678' });
    for (const url of [
      'ftp://gitlab.example.com',
      'https://user:pw@gitlab.example.com',
      'gitlab.example.com',
    ]) {
      expect(
        CreateGitlabInstanceBody.safeParse({ name: 'x', url, accessToken: 'glpat-12345678' }).success,
        url,
      ).toBe(false);
    }
  });

  it('reject unknown fields and empty updates', () => {
    expect(
      CreateGitlabInstanceBody.safeParse({
        name: 'x',
        url: 'https://a.b',
        accessToken: 'glpat-12345678',
        id: 1,
      }).success,
    ).toBe(false);
    expect(UpdateGitlabInstanceBody.safeParse({}).success).toBe(false);
    expect(UpdateGitlabInstanceBody.parse({ name: 'y' })).toEqual({ name: 'y' });
  });

  it('read repeated and comma-separated list parameters alike', () => {
    expect(ListRunnersQuery.parse({ tag: ['docker', 'linux,arm64'] }).tag).toEqual([
      'docker',
      'linux',
      'arm64',
    ]);
    expect(ListMachinesQuery.parse({ status: 'online, draining' }).status).toEqual(['online', 'draining']);
    expect(ListMachinesQuery.parse({})).toMatchObject({ limit: 50, sort: 'hostname' });
  });

  it('validate label keys and sizes', () => {
    expect(Labels.safeParse({ region: 'eu', 'team.example/owner': 'ci' }).success).toBe(true);
    expect(Labels.safeParse({ Region: 'eu' }).success).toBe(false);
    expect(Labels.safeParse({ '-x': 'eu' }).success).toBe(false);
    expect(
      Labels.safeParse(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, '']))).success,
    ).toBe(false);
  });
});
