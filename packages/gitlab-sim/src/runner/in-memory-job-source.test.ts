import { describe, expect, it } from 'vitest';
import { configToml } from '../test-support/config.js';
import { harness } from '../test-support/simulator.js';
import { InMemoryJobSource } from './in-memory-job-source.js';
import type { SimRunner } from './load-config.js';

const A = 'glrt-aaaaaaaaaaaaaaaaaaaa';
const B = 'glrt-bbbbbbbbbbbbbbbbbbbb';

function fakeRunner(token: string): SimRunner {
  return {
    index: 0,
    name: 'x',
    url: 'https://gitlab.example.com',
    token,
    shortToken: token.slice(5, 14),
    executor: 'shell',
    limit: 0,
    requestConcurrency: 1,
    adaptiveRequestConcurrency: true,
    strictCheckInterval: false,
    tokenObtainedAt: 0,
    tokenExpiresAt: null,
    entry: {},
  };
}

describe('InMemoryJobSource', () => {
  it('hands out queued jobs in order, to the runner token a batch is for', async () => {
    const source = new InMemoryJobSource({ firstJobId: 100 });
    const signal = new AbortController().signal;
    source.add({ count: 1, token: B, durationMs: 1 });
    source.add({ count: 2, durationMs: 1 });
    expect(source.stats()).toMatchObject({ queued: 3, handedOut: 0 });
    expect((await source.requestJob(fakeRunner(A), 's_x', signal))?.id).toBe(100);
    expect((await source.requestJob(fakeRunner(B), 's_x', signal))?.id).toBe(101);
    expect((await source.requestJob(fakeRunner(A), 's_x', signal))?.id).toBe(102);
    expect(await source.requestJob(fakeRunner(A), 's_x', signal)).toBeNull();
    expect(source.stats()).toMatchObject({ queued: 0, handedOut: 3, requests: 4 });
  });

  it('runs a job for its duration, and ends it as canceled when aborted', async () => {
    const source = new InMemoryJobSource();
    source.add({ count: 2, durationMs: 1 });
    const job = await source.requestJob(fakeRunner(A), 's_x', new AbortController().signal);
    expect(await job?.run(new AbortController().signal)).toBe('success');
    const aborted = new AbortController();
    const second = await source.requestJob(fakeRunner(A), 's_x', aborted.signal);
    const outcome = second?.run(aborted.signal);
    aborted.abort();
    expect(await outcome).toBe('canceled');
    expect(source.stats()).toMatchObject({ running: 0, finished: 2 });
  });

  it('holds an empty request for the long poll and answers it as soon as a job arrives', async () => {
    const source = new InMemoryJobSource({ longPollMs: 60_000 });
    const pending = source.requestJob(fakeRunner(A), 's_x', new AbortController().signal);
    source.add({ count: 1, token: B });
    source.add({ count: 1, durationMs: 5 });
    expect((await pending)?.id).toBe(1);
    expect(source.stats()).toMatchObject({ queued: 1, handedOut: 1 });
  });

  it('ends a long poll with no job when the request is aborted', async () => {
    const source = new InMemoryJobSource({ longPollMs: 60_000 });
    const aborted = new AbortController();
    const pending = source.requestJob(fakeRunner(A), 's_x', aborted.signal);
    aborted.abort();
    expect(await pending).toBeNull();
  });

  it('feeds a simulator: every job runs once and the counters agree', async () => {
    const source = new InMemoryJobSource({ durationMs: 5 });
    source.add({ count: 6 });
    const h = await harness({
      source,
      config: configToml({
        concurrent: 3,
        runners: [{ name: 'r', token: A, limit: 2, requestConcurrency: 2 }],
      }),
    });
    await new Promise<void>((resolve) => {
      let finished = 0;
      const off = h.sim.on((event) => {
        if (event.type === 'job-finished' && ++finished === 6) {
          off();
          resolve();
        }
      });
    });
    expect(source.stats()).toMatchObject({ queued: 0, handedOut: 6, finished: 6, running: 0 });
    expect(h.sim.metricsText()).toContain(
      '\ngitlab_runner_jobs_total{runner="aaaaaaaaa",runner_name="r",system_id="s_ee3af03959fe"} 6\n',
    );
  });
});
