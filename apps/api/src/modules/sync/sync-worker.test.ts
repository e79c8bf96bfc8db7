import { afterEach, describe, expect, it, vi } from 'vitest';
import { syncWorker } from './sync-worker.js';

const silent = { error: vi.fn() } as unknown as Parameters<typeof syncWorker>[0]['log'];

describe('syncWorker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a pass at start, then one interval after each pass ends, and stops after the pass under way', async () => {
    vi.useFakeTimers();
    let finishPass: () => void = () => {};
    const pass = vi.fn(() => new Promise<void>((resolve) => (finishPass = resolve)));
    const worker = syncWorker({ intervalMs: 10_000, pass, log: silent });

    worker.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(pass).toHaveBeenCalledTimes(1);
    // A pass longer than the interval: no second pass piles up behind it.
    await vi.advanceTimersByTimeAsync(25_000);
    expect(pass).toHaveBeenCalledTimes(1);
    finishPass();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(pass).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(pass).toHaveBeenCalledTimes(2);

    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finishPass();
    await stopping;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pass).toHaveBeenCalledTimes(2);
  });

  it('keeps going after a pass that throws', async () => {
    vi.useFakeTimers();
    const pass = vi.fn().mockRejectedValueOnce(new Error('database gone')).mockResolvedValue(undefined);
    const worker = syncWorker({ intervalMs: 5_000, pass, log: silent });
    worker.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(pass).toHaveBeenCalledTimes(2);
    expect(silent.error).toHaveBeenCalledTimes(1);
    await worker.stop();
  });
});
