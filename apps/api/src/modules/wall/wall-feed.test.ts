/**
 * The wall feed's schedule, with a fake clock: summaries at most once per interval per topic, the interval counted
 * from the start of a computation (a slow summary must not stretch the period), changes during a computation
 * answered by one more push, and the periodic push regardless of changes.
 */
import type { WallSummary, WallTopic } from '@paddock/contracts';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { wallFeed } from './wall-feed.js';

const log = { warn: vi.fn() } as unknown as FastifyBaseLogger;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A feed whose summaries take `computeMs`; records when each computation started and each delivery. */
function feedWith(computeMs: number, topics: WallTopic[] = ['wall']) {
  const started: number[] = [];
  const delivered: number[] = [];
  const t0 = Date.now();
  const feed = wallFeed({
    summary: async () => {
      started.push(Date.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, computeMs));
      return {} as WallSummary;
    },
    topics: () => topics,
    deliver: () => delivered.push(Date.now() - t0),
    log,
    minIntervalMs: 1_000,
    periodMs: 15_000,
  });
  return { feed, started, delivered };
}

describe('wallFeed', () => {
  it('pushes once per interval counted from the start of each computation, however slow it is', async () => {
    const { feed, started } = feedWith(700);
    // Machines change all the time.
    const churn = setInterval(() => feed.changed(), 100);
    await vi.advanceTimersByTimeAsync(5_050);
    clearInterval(churn);
    feed.close();
    // (a timer of 0 ms fires 1 ms later on this clock)
    expect(started).toEqual([101, 1_101, 2_101, 3_101, 4_101]);
  });

  it('answers changes during a computation with one more push, not one per change', async () => {
    const { feed, started, delivered } = feedWith(300);
    feed.changed();
    await vi.advanceTimersByTimeAsync(100);
    for (let i = 0; i < 5; i += 1) feed.changed();
    await vi.advanceTimersByTimeAsync(3_000);
    feed.close();
    expect(started).toEqual([0, 1_000]);
    expect(delivered).toEqual([300, 1_300]);
  });

  it('pushes every period without changes, and stops when closed', async () => {
    const { feed, started } = feedWith(10);
    await vi.advanceTimersByTimeAsync(31_000);
    feed.close();
    await vi.advanceTimersByTimeAsync(31_000);
    expect(started).toEqual([15_001, 30_001]);
  });
});
