import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { configToml, type TestRunner } from '../test-support/config.js';
import { ObservingJobSource } from '../test-support/observing-job-source.js';
import { harness, isEvent } from '../test-support/simulator.js';
import type { RunnerSimulator } from './simulator.js';

const A = 'glrt-aaaaaaaaaaaaaaaaaaaa';
const B = 'glrt-bbbbbbbbbbbbbbbbbbbb';
const C = 'glrt-cccccccccccccccccccc';

/** Waits for `n` ticks of the config check: a clock made of events, during which the feeder keeps feeding. */
async function ticks(sim: RunnerSimulator, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await sim.nextEvent(isEvent('config-check'));
}

function runner(token: string, extra: Partial<TestRunner> = {}): TestRunner {
  return { name: `runner-${token.slice(5, 6)}`, token, requestConcurrency: 4, ...extra };
}

describe('concurrent, limit and request_concurrency', () => {
  it('never runs more than limit per token nor concurrent in total, over many rounds of jobs', async () => {
    const h = await harness({
      config: configToml({
        concurrent: 5,
        runners: [
          runner(A, { limit: 2, requestConcurrency: 2 }),
          runner(B, { limit: 0, requestConcurrency: 4 }),
          runner(C, { limit: 4, requestConcurrency: 1 }),
        ],
      }),
    });
    for (let round = 0; round < 20; round++) {
      // All five slots end up running jobs: requests are answered at once, so no slot stays in a request.
      await h.source.until(() => h.source.running === 5);
      h.source.finishAll();
    }
    expect(h.source.handedOut).toBeGreaterThanOrEqual(100);
    expect(h.source.peakTotalRunning).toBe(5);
    expect(h.source.peakTotalHeld).toBeLessThanOrEqual(5);
    expect(h.source.of(A).peakHeld).toBeLessThanOrEqual(2);
    expect(h.source.of(C).peakHeld).toBeLessThanOrEqual(4);
    expect(h.source.of(A).peakInFlight).toBeLessThanOrEqual(2);
    expect(h.source.of(B).peakInFlight).toBeLessThanOrEqual(4);
    expect(h.source.of(C).peakInFlight).toBe(1);
  });

  it('fills a runner up to its limit and no further while free slots keep polling', async () => {
    const h = await harness({ config: configToml({ concurrent: 10, runners: [runner(A, { limit: 3 })] }) });
    await h.source.until(() => h.source.running === 3);
    await ticks(h.sim, 5);
    expect(h.source.of(A)).toMatchObject({ running: 3, peakRunning: 3, peakHeld: 3 });
    expect(h.sim.state().runners).toEqual([
      expect.objectContaining({ shortToken: 'aaaaaaaaa', slots: 3, running: 3 }),
    ]);
    expect(h.sim.effectiveLimits()).toEqual([
      { index: 0, name: 'runner-a', shortToken: 'aaaaaaaaa', limit: 3, concurrent: 10, effective: 3 },
    ]);
  });

  it('caps the total at concurrent with unlimited runners', async () => {
    const h = await harness({
      config: configToml({ concurrent: 3, runners: [runner(A), runner(B, { limit: -1 })] }),
    });
    await h.source.until(() => h.source.running === 3);
    await ticks(h.sim, 5);
    expect(h.source.peakTotalHeld).toBe(3);
    expect(h.sim.effectiveLimits().map((l) => l.effective)).toEqual([3, 3]);
  });

  it('re-polls a runner at once after it got a job, unless strict_check_interval', async () => {
    // One feed at start, the next one a minute later: only the immediate re-poll can start more jobs.
    const slowFeed = { checkIntervalMs: 60_000 };
    const h = await harness({
      config: configToml({ concurrent: 5, runners: [runner(A)] }),
      options: slowFeed,
    });
    await h.source.until(() => h.source.running === 5);

    const strict = await harness({
      config: configToml({
        concurrent: 5,
        runners: [runner(B, { extra: '  strict_check_interval = true' })],
      }),
      options: slowFeed,
    });
    await strict.source.until(() => strict.source.running === 1);
    await ticks(strict.sim, 5);
    expect(strict.source.running).toBe(1);
  });

  it('shares limit accounting between [[runners]] entries with the same token', async () => {
    const h = await harness({
      config: configToml({
        concurrent: 10,
        runners: [runner(A, { name: 'first', limit: 2 }), runner(A, { name: 'second', limit: 2 })],
      }),
    });
    await h.source.until(() => h.source.running === 2);
    await ticks(h.sim, 5);
    expect(h.source.of(A).peakHeld).toBe(2);
    expect(h.sim.state().runners).toHaveLength(1);
  });

  it('keeps in-flight requests at request_concurrency when the adaptive flag is off', async () => {
    const source = new ObservingJobSource({ holdRequests: true, jobs: false });
    const h = await harness({
      source,
      config: configToml({
        concurrent: 10,
        runners: [runner(A, { requestConcurrency: 3, adaptive: false })],
      }),
    });
    await source.until(() => source.of(A).inFlight === 3);
    await ticks(h.sim, 5);
    expect(source.of(A).peakInFlight).toBe(3);
    const state = h.sim.state().runners[0];
    expect(state).toMatchObject({ requests: 3, requestConcurrencyUsed: 3 });
    expect(state?.requestsExceeded).toBeGreaterThan(0);
    expect(h.sim.metricsText()).toMatch(
      /\ngitlab_runner_request_concurrency\{runner="aaaaaaaaa",system_id="s_ee3af03959fe"\} 3\n/,
    );
    expect(h.sim.metricsText()).toMatch(
      /\ngitlab_runner_request_concurrency_hard_limit\{runner="aaaaaaaaa",system_id="s_ee3af03959fe"\} 3\n/,
    );
  });

  it('starts the adaptive limit at 1 and raises it after a job is received (FF_USE_ADAPTIVE_REQUEST_CONCURRENCY)', async () => {
    const source = new ObservingJobSource({ holdRequests: true, jobs: false });
    const h = await harness({
      source,
      config: configToml({ concurrent: 10, runners: [runner(A, { requestConcurrency: 3 })] }),
    });
    await source.until(() => source.of(A).inFlight === 1);
    await ticks(h.sim, 5);
    expect(source.of(A).peakInFlight).toBe(1);

    // The limit starts at 0 (shown as 0, used as 1): the first job only brings it to max(1, 0 × 1.1) = 1.
    source.jobs = true;
    source.releaseRequests();
    await source.until(() => source.handedOut === 1 && source.of(A).inFlight === 1);
    expect(h.sim.state().runners[0]?.adaptiveLimit).toBe(1);
    // The second job: 1 × 1.1 = 1.1, rounded up: two requests at once.
    source.releaseRequests();
    await source.until(() => source.of(A).inFlight === 2);
    await ticks(h.sim, 5);
    expect(source.of(A).peakInFlight).toBe(2);
    expect(h.sim.state().runners[0]).toMatchObject({ requestConcurrencyUsed: 2 });
    expect(h.sim.state().runners[0]?.adaptiveLimit).toBeCloseTo(1.1);
  });

  it('follows a new limit after a reload: running jobs finish, then no more than the new limit start', async () => {
    const h = await harness({ config: configToml({ concurrent: 10, runners: [runner(A, { limit: 4 })] }) });
    await h.source.until(() => h.source.running === 4);

    const loaded = h.sim.nextEvent(isEvent('config-loaded'));
    await h.write(configToml({ concurrent: 10, runners: [runner(A, { limit: 2 })] }));
    await loaded;
    // Jobs already running keep going, with the config they started with.
    expect(h.source.running).toBe(4);
    expect(h.sim.effectiveLimits()[0]?.effective).toBe(2);

    h.source.finishAll();
    h.source.resetPeaks();
    await h.source.until(() => h.source.running === 2);
    await ticks(h.sim, 5);
    expect(h.source.of(A).peakRunning).toBe(2);
    expect(h.source.of(A).peakHeld).toBe(2);

    // Unlimited, under a smaller concurrent: the worker slots shrink, then concurrent is the cap.
    const shrunk = h.sim.nextEvent((e) => e.type === 'workers' && e.slots === 3);
    await h.write(configToml({ concurrent: 3, runners: [runner(A, { limit: 0 })] }));
    await shrunk;
    await h.source.until(() => h.source.running === 3);
    await ticks(h.sim, 5);
    expect(h.source.running).toBe(3);
    expect(h.sim.effectiveLimits()[0]).toMatchObject({ limit: 0, concurrent: 3, effective: 3 });
  });

  it('skips runners without a token and never asks for jobs with an unknown executor', async () => {
    const h = await harness({
      config: configToml({
        concurrent: 4,
        runners: [runner(A, { name: 'no-token', token: '' }), runner(B, { executor: 'podman' })],
      }),
    });
    await ticks(h.sim, 5);
    expect(h.source.handedOut).toBe(0);
    const metrics = h.sim.metricsText();
    expect(metrics).toMatch(
      /\ngitlab_runner_worker_feed_failures_total\{runner="",runner_name="no-token",system_id="s_ee3af03959fe"\} [1-9]/,
    );
    expect(metrics).toMatch(/\ngitlab_runner_errors_total\{level="error"\} [1-9]/);
    expect(h.sim.state().runners).toEqual([]);
  });
});

describe('stopping', () => {
  it('aborts running jobs on a forceful stop (SIGTERM)', async () => {
    const h = await harness({ config: configToml({ concurrent: 2, runners: [runner(A)] }) });
    await h.source.until(() => h.source.running === 2);
    const exit = await h.sim.stop();
    expect(exit).toEqual({ reason: 'stopped', graceful: false, timedOut: false });
    expect(h.source.running).toBe(0);
    expect(h.sim.state()).toMatchObject({ status: 'stopped', workerSlots: 0 });
  });

  it('waits for running jobs on a graceful stop (SIGQUIT) and asks for no new ones', async () => {
    const h = await harness({ config: configToml({ concurrent: 2, runners: [runner(A)] }) });
    await h.source.until(() => h.source.running === 2);
    let stopped = false;
    const stopping = h.sim.stop({ graceful: true }).then((exit) => {
      stopped = true;
      return exit;
    });
    const handedOut = h.source.handedOut;
    expect(h.sim.state().status).toBe('stopping');
    // Proving that nothing happens needs a bounded wait: there is no event to await for an absence.
    await delay(50);
    expect(stopped).toBe(false);
    expect(h.source.running).toBe(2);
    h.source.finishAll();
    expect(await stopping).toEqual({ reason: 'stopped', graceful: true, timedOut: false });
    expect(h.source.handedOut).toBe(handedOut);
  });
});
