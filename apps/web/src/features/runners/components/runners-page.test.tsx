import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Runner } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aGitlabInstance } from '../../gitlab/testing';

const aRunner = (overrides: Partial<Runner> = {}) =>
  Runner.parse({
    id: '0190f1a2-0000-7000-8000-00000000bbbb',
    gitlabInstanceId: '0190f1a2-0000-7000-8000-00000000aaaa',
    gitlabRunnerId: 42,
    runnerType: 'group_type',
    groupId: 7,
    projectId: null,
    description: 'docker-builders',
    tags: ['docker', 'linux'],
    runUntagged: false,
    locked: false,
    paused: true,
    accessLevel: 'not_protected',
    maximumTimeout: null,
    maintenanceNote: null,
    executor: 'docker',
    source: 'managed',
    gitlabStatus: 'online',
    contactedAt: null,
    token: {
      last4: 'zz99',
      obtainedAt: '2025-01-01T00:00:00.000Z',
      expiresAt: null,
      rotatedAt: null,
      limitMode: 'fleet_budget',
      limitValue: 12,
      requestConcurrency: null,
    },
    machineCount: 3,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  });

describe('RunnersPage', () => {
  it('sends a new user to connect GitLab first when there are no runners and no GitLab', async () => {
    stubFetch(({ url }) => {
      if (url.pathname === '/api/v1/runners') return json({ items: [], nextCursor: null, total: 0 });
      if (url.pathname === '/api/v1/gitlab-instances') return json({ items: [] });
      if (url.pathname === '/api/v1/tags') return json({ items: [] });
      return undefined;
    });
    renderApp('/runners');

    expect(await screen.findByRole('heading', { name: 'Connect a GitLab instance first' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Connect GitLab' }).getAttribute('href')).toBe('/gitlab');
  });

  it('says runners are still to come once GitLab is connected', async () => {
    stubFetch(({ url }) => {
      if (url.pathname === '/api/v1/runners') return json({ items: [], nextCursor: null, total: 0 });
      if (url.pathname === '/api/v1/gitlab-instances') return json({ items: [aGitlabInstance()] });
      if (url.pathname === '/api/v1/tags') return json({ items: [] });
      return undefined;
    });
    renderApp('/runners');

    expect(await screen.findByRole('heading', { name: 'No runners yet' })).toBeTruthy();
  });

  it('lists runners with tags, status, pause state and job limit', async () => {
    const runner = aRunner();
    stubFetch(({ url }) => {
      if (url.pathname === '/api/v1/runners') return json({ items: [runner], nextCursor: 'c2', total: 60 });
      if (url.pathname === '/api/v1/tags') return json({ items: [{ tag: 'docker', runnerCount: 1 }] });
      return undefined;
    });
    renderApp('/runners');

    const row = (await screen.findAllByRole('row'))[1]!;
    expect(within(row).getByRole('link', { name: 'docker-builders' }).getAttribute('href')).toBe(
      `/runners/${runner.id}`,
    );
    expect(within(row).getByText('#42')).toBeTruthy();
    expect(within(row).getByText('Group')).toBeTruthy();
    expect(within(row).getByText('docker')).toBeTruthy();
    expect(within(row).getByText('Online')).toBeTruthy();
    expect(within(row).getByText('Paused')).toBeTruthy();
    expect(within(row).getByText('12 across the fleet')).toBeTruthy();
    expect(screen.getByText('Showing 1 of 60 runners')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Next page' })).toBeTruthy();
  });
});
