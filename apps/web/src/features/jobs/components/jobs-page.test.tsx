import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Job, TagSetQueue } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { formatWait } from './jobs-page';

const queue = (over: Partial<TagSetQueue>): TagSetQueue => ({
  tagSetKey: 'docker',
  tags: ['docker'],
  pending: 0,
  running: 0,
  oldestWaitSeconds: null,
  waitP50Seconds: null,
  waitP95Seconds: null,
  stuck: {},
  ...over,
});

const stuckJob: Job = {
  id: '0190f1a2-0000-7000-8000-00000000c001',
  gitlabInstanceId: '0190f1a2-0000-7000-8000-00000000aaaa',
  gitlabJobId: 9001,
  projectId: 42,
  projectPath: 'platform/api',
  pipelineId: 7,
  name: 'train-model',
  stage: 'test',
  ref: 'main',
  refProtected: true,
  status: 'pending',
  tags: ['gpu'],
  tagSetKey: 'gpu',
  webUrl: 'https://gitlab.example.com/platform/api/-/jobs/9001',
  queuedAt: '2026-11-23T11:00:00.000Z',
  startedAt: null,
  runnerId: null,
  machineId: null,
  machineHostname: null,
  waitSeconds: 1860,
  stuckReason: 'no_runner_with_tags',
  stuckText: 'No online runner has these tags.',
};

const runningJob: Job = {
  ...stuckJob,
  id: '0190f1a2-0000-7000-8000-00000000c002',
  gitlabJobId: 9002,
  name: 'build',
  status: 'running',
  startedAt: '2026-11-23T11:05:00.000Z',
  stuckReason: null,
  stuckText: null,
};

describe('JobsPage', () => {
  it('shows queues by tag set with waits and stuck counts in words, and each stuck job with its reason', async () => {
    stubFetch(({ url }) => {
      if (url.pathname === '/api/v1/jobs/queues')
        return json({
          items: [
            queue({
              tagSetKey: 'gpu',
              tags: ['gpu'],
              pending: 1,
              oldestWaitSeconds: 1860,
              stuck: { no_runner_with_tags: 1 },
            }),
            queue({
              tagSetKey: '',
              tags: [],
              pending: 2,
              running: 3,
              oldestWaitSeconds: 45,
              waitP50Seconds: 12,
              waitP95Seconds: 40,
            }),
          ],
          updatedAt: new Date().toISOString(),
        });
      if (url.pathname === '/api/v1/jobs' && url.searchParams.get('stuck') === 'true')
        return json({ items: [stuckJob] });
      if (url.pathname === '/api/v1/jobs' && url.searchParams.get('status') === 'running')
        return json({ items: [runningJob] });
      return undefined;
    });
    renderApp('/jobs');

    const queues = await screen.findByRole('region', { name: 'Job queues by tag set' });
    const rows = within(queues).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      'gpu1031 min——⚠ 1 stuck: no online runner has these tags',
      'untagged2345 s12 s40 snone',
    ]);
    const stuck = await screen.findByRole('region', { name: 'Stuck pending jobs' });
    expect(within(stuck).getByRole('link', { name: 'train-model' }).getAttribute('href')).toBe(
      stuckJob.webUrl,
    );
    expect(within(stuck).getByText('No online runner has these tags.')).toBeTruthy();
    expect(within(stuck).getByText('(protected)')).toBeTruthy();
    expect(within(stuck).getByLabelText('Log of train-model #9001').getAttribute('href')).toBe(
      `/jobs/${stuckJob.id}`,
    );
    const runningLog = await screen.findByLabelText('Log of build #9002');
    expect(runningLog.getAttribute('href')).toBe(`/jobs/${runningJob.id}`);
  });

  it('says how jobs come to appear when nothing is queued', async () => {
    stubFetch(({ url }) => {
      if (url.pathname === '/api/v1/jobs/queues') return json({ items: [], updatedAt: null });
      if (url.pathname === '/api/v1/jobs') return json({ items: [] });
      return undefined;
    });
    renderApp('/jobs');
    expect(await screen.findByRole('heading', { name: 'No jobs waiting or running' })).toBeTruthy();
    expect(await screen.findByText(/No pending job is stuck/)).toBeTruthy();
  });
});

describe('one tag set', () => {
  it('shows only the tag set named in the URL, asking the API for its jobs', async () => {
    const { requests } = stubFetch(({ url }) => {
      if (url.pathname === '/api/v1/jobs/queues')
        return json({
          items: [
            queue({ tagSetKey: 'docker', tags: ['docker'], pending: 3 }),
            queue({ tagSetKey: 'gpu', tags: ['gpu'], pending: 1 }),
          ],
          updatedAt: null,
        });
      if (url.pathname === '/api/v1/jobs') return json({ items: [] });
      return undefined;
    });
    renderApp('/jobs?tagSet=gpu');
    expect(await screen.findByText(/Showing the tag set/)).toBeTruthy();
    const table = await screen.findByRole('region', { name: 'Job queues by tag set' });
    expect(within(table).queryByText('docker')).toBeNull();
    expect(within(table).getByText('gpu')).toBeTruthy();
    const jobRequests = requests.filter((r) => r.url.pathname === '/api/v1/jobs');
    expect(jobRequests.length).toBeGreaterThan(0);
    expect(jobRequests.every((r) => r.url.searchParams.get('tagSet') === 'gpu')).toBe(true);
  });
});

describe('running jobs', () => {
  it('are listed by machine, linking to it, with jobs on unknown hosts last', async () => {
    const running = (name: string, machine: [string, string] | null): Job => ({
      ...stuckJob,
      id: `0190f1a2-0000-7000-8000-0000000${String(name.length).padStart(5, '0')}`,
      name,
      status: 'running',
      stuckReason: null,
      stuckText: null,
      machineId: machine?.[0] ?? null,
      machineHostname: machine?.[1] ?? null,
    });
    stubFetch(({ url }) => {
      if (url.pathname === '/api/v1/jobs/queues') return json({ items: [], updatedAt: null });
      if (url.pathname === '/api/v1/jobs' && url.searchParams.get('status') === 'running')
        return json({
          items: [
            running('lint', null),
            running('compile', ['0190f1a2-0000-7000-8000-00000000d002', 'runner-b']),
            running('unit-tests', ['0190f1a2-0000-7000-8000-00000000d001', 'runner-a']),
          ],
        });
      if (url.pathname === '/api/v1/jobs') return json({ items: [] });
      return undefined;
    });
    renderApp('/jobs');
    const table = await screen.findByRole('region', { name: 'Running jobs by machine' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.querySelector('td')!.textContent)).toEqual([
      'runner-a',
      'runner-b',
      'not known',
    ]);
    expect(within(rows[0]!).getByRole('link', { name: 'runner-a' }).getAttribute('href')).toBe(
      '/machines/0190f1a2-0000-7000-8000-00000000d001',
    );
  });
});

describe('formatWait', () => {
  it('reads at a glance', () => {
    expect(formatWait(null)).toBe('—');
    expect(formatWait(59)).toBe('59 s');
    expect(formatWait(600)).toBe('10 min');
    expect(formatWait(3 * 3600 + 5 * 60)).toBe('3 h 05 min');
  });
});
