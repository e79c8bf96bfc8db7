import { act, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Job } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';

const JOB_ID = '0190f1a2-0000-7000-8000-00000000c0de';
const TOPIC = `trace:${JOB_ID}`;

const job: Job = {
  id: JOB_ID,
  gitlabInstanceId: '0190f1a2-0000-7000-8000-00000000aaaa',
  gitlabJobId: 77,
  projectId: 42,
  projectPath: 'platform/api',
  pipelineId: 7,
  name: 'build',
  stage: 'build',
  ref: 'main',
  refProtected: false,
  status: 'running',
  tags: ['docker'],
  tagSetKey: 'docker',
  webUrl: null,
  queuedAt: '2026-11-23T11:00:00.000Z',
  startedAt: '2026-11-23T11:01:00.000Z',
  runnerId: null,
  machineId: null,
  machineHostname: null,
  waitSeconds: 60,
  stuckReason: null,
  stuckText: null,
};

function stubJobs() {
  stubFetch(({ url }) => {
    if (url.pathname !== '/api/v1/jobs') return undefined;
    return json({ items: url.searchParams.get('status') === 'running' ? [job] : [] });
  });
}

const logTexts = () =>
  Array.from(
    screen.getByRole('list', { name: 'Log of build #77' }).querySelectorAll('.trace-text'),
    (el) => el.textContent,
  );

describe('JobTracePage', () => {
  it('streams the log from its offset, skips repeats, asks again after a gap and resumes after a reconnect', async () => {
    stubJobs();
    const { live } = renderApp(`/jobs/${JOB_ID}`);
    expect(await screen.findByRole('heading', { name: 'build #77' })).toBeTruthy();
    expect(screen.getByText('Running')).toBeTruthy();
    const socket = live.latest();
    act(() => socket.accept());
    expect(socket.sent).toContainEqual({ type: 'subscribe', topic: TOPIC, offset: 0 });

    act(() =>
      socket.receive({ type: 'trace', jobId: JOB_ID, offset: 0, data: 'Running with gitlab-runner\n' }),
    );
    act(() =>
      socket.receive({ type: 'trace', jobId: JOB_ID, offset: 0, data: 'Running with gitlab-runner\n' }),
    );
    act(() => socket.receive({ type: 'trace', jobId: JOB_ID, offset: 27, data: '$ make\n' }));
    await screen.findByText('$ make');
    expect(logTexts()).toEqual(['Running with gitlab-runner', '$ make']);

    // Bytes 34-99 never came: the page asks for them instead of appending in the wrong place.
    act(() => socket.receive({ type: 'trace', jobId: JOB_ID, offset: 100, data: 'later\n' }));
    expect(socket.sent.at(-1)).toEqual({ type: 'subscribe', topic: TOPIC, offset: 34 });
    expect(logTexts()).toEqual(['Running with gitlab-runner', '$ make']);

    act(() => socket.receive({ type: 'traceError', jobId: JOB_ID, message: 'GitLab answered 502.' }));
    expect((await screen.findByRole('alert')).textContent).toContain('GitLab answered 502.');

    await act(async () => {
      socket.drop();
    });
    expect(await screen.findByText(/the log continues where it stopped/)).toBeTruthy();
    const next = await waitForSocket(live, 2);
    act(() => next.accept());
    expect(next.sent).toContainEqual({ type: 'subscribe', topic: TOPIC, offset: 34 });

    act(() => next.receive({ type: 'trace', jobId: JOB_ID, offset: 34, data: 'ok\n' }));
    act(() => next.receive({ type: 'traceEnd', jobId: JOB_ID, size: 37 }));
    expect(await screen.findByText('The job has ended; this is its whole log.')).toBeTruthy();
    expect(screen.getByText('Ended')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    // The log view redraws on the next animation frame.
    await screen.findByText('ok');
    expect(logTexts()).toEqual(['Running with gitlab-runner', '$ make', 'ok']);
  });

  it('says so when the address holds no job id', async () => {
    stubJobs();
    renderApp('/jobs/not-a-job');
    expect(await screen.findByRole('heading', { name: 'This is not a job address' })).toBeTruthy();
  });
});

/** The reconnect waits a jittered backoff (at most 500 ms for the first retry). */
async function waitForSocket(live: ReturnType<typeof renderApp>['live'], count: number) {
  const deadline = Date.now() + 2_000;
  while (live.sockets.length < count) {
    if (Date.now() > deadline) throw new Error('the page did not reconnect');
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
  }
  return live.latest();
}
