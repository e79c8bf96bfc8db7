import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { retentionWorker } from './retention-worker.js';

const quietLog = () =>
  ({ error: vi.fn() }) as unknown as FastifyBaseLogger & { error: ReturnType<typeof vi.fn> };

describe('retentionWorker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a first pass after the start delay, then one interval after each pass ends', async () => {
    vi.useFakeTimers();
    let finishPass: () => void = () => {};
    const pass = vi.fn(() => new Promise<void>((resolve) => (finishPass = resolve)));
    const worker = retentionWorker({ firstDelayMs: 60_000, intervalMs: 3_600_000, pass, log: quietLog() });

    worker.start();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(pass).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(pass).toHaveBeenCalledTimes(1);
    // A pass longer than the interval: no second one piles up behind it.
    await vi.advanceTimersByTimeAsync(5_000_000);
    expect(pass).toHaveBeenCalledTimes(1);
    finishPass();
    await vi.advanceTimersByTimeAsync(3_599_999);
    expect(pass).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(pass).toHaveBeenCalledTimes(2);
    finishPass();
    await worker.stop();
  });

  it('aborts the pass under way on stop, waits for it, and starts no other', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    let finishPass: () => void = () => {};
    const pass = vi.fn((s: AbortSignal) => {
      signal = s;
      return new Promise<void>((resolve) => (finishPass = resolve));
    });
    const worker = retentionWorker({ firstDelayMs: 10, intervalMs: 60_000, pass, log: quietLog() });
    worker.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(signal?.aborted).toBe(false);

    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    expect(signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finishPass();
    await stopping;
    await vi.advanceTimersByTimeAsync(600_000);
    expect(pass).toHaveBeenCalledTimes(1);
  });

  it('keeps going after a pass that throws', async () => {
    vi.useFakeTimers();
    const log = quietLog();
    const pass = vi.fn().mockRejectedValueOnce(new Error('database gone')).mockResolvedValue(undefined);
    const worker = retentionWorker({ firstDelayMs: 0, intervalMs: 60_000, pass, log });
    worker.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pass).toHaveBeenCalledTimes(2);
    expect(log.error).toHaveBeenCalledTimes(1);
    await worker.stop();
  });
});
