import { describe, expect, it } from 'vitest';
import {
  CreateGitlabInstanceBody,
  Labels,
  ListMachinesQuery,
  ListRunnersQuery,
  LiveClientMessage,
  LiveServerMessage,
  RegisterRunnerBody,
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

describe('runner registration', () => {
  const ID = '01a20792-d6bb-742f-afc2-ba3f6c8b6cc1';
  const minimal = {
    gitlabInstanceId: ID,
    runnerType: 'instance_type',
    tags: ['docker'],
    executor: { name: 'docker', settings: { docker: { image: 'alpine' } } },
    machines: { ids: [ID] },
  };
  const issues = (input: unknown) =>
    (RegisterRunnerBody.safeParse(input).error?.issues ?? []).map((i) => i.path.join('.'));

  it('fills in defaults', () => {
    expect(RegisterRunnerBody.parse(minimal)).toMatchObject({
      description: '',
      runUntagged: false,
      locked: false,
      paused: false,
      accessLevel: 'not_protected',
      maximumTimeout: null,
      limits: { limitMode: 'per_machine', limit: null, requestConcurrency: null },
    });
    expect(
      RegisterRunnerBody.parse({ ...minimal, executor: { name: 'kubernetes' } }).executor.settings,
    ).toEqual({ kubernetes: {} });
  });

  it('checks the owner, the executor, the limits and the targets', () => {
    expect(issues({ ...minimal, runnerType: 'project_type' })).toEqual(['projectId']);
    expect(issues({ ...minimal, groupId: 4 })).toEqual(['groupId']);
    expect(issues({ ...minimal, tags: [] })).toEqual(['runUntagged']);
    expect(
      issues({ ...minimal, executor: { name: 'docker', settings: { docker: { image: ' ' } } } }),
    ).toEqual(['executor.settings.docker.image']);
    expect(issues({ ...minimal, executor: { name: 'ssh' } })).toEqual(['executor.name']);
    expect(issues({ ...minimal, limits: { limitMode: 'fleet_budget' } })).toEqual(['limits.limit']);
    expect(issues({ ...minimal, maximumTimeout: 300 })).toEqual(['maximumTimeout']);
    expect(issues({ ...minimal, machines: {} })).toEqual(['machines']);
    expect(issues({ ...minimal, machines: { ids: [ID], labels: ['pool=a'] } })).toEqual(['machines']);
    expect(issues({ ...minimal, machines: { labels: ['Bad Label'] } })).toEqual(['machines.labels.0']);
  });

  it('has a live topic and message for its progress', () => {
    expect(LiveClientMessage.safeParse({ type: 'subscribe', topic: `registration:${ID}` }).success).toBe(
      true,
    );
    expect(LiveClientMessage.safeParse({ type: 'subscribe', topic: 'registration:42' }).success).toBe(false);
    expect(
      LiveServerMessage.safeParse({
        type: 'registration',
        registration: { registrationId: ID, step: 'gitlab', state: 'failed', detail: 'GitLab refused' },
      }).success,
    ).toBe(true);
  });
});
