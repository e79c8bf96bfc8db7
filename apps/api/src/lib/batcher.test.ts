import { describe, expect, it } from 'vitest';
import { Batcher, serialLane } from './batcher.js';

describe('Batcher', () => {
  it('writes items added in one tick as one batch, in order, each getting its own result', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>({
      flush: async (items) => {
        batches.push(items);
        return items.map((n) => n * 10);
      },
    });
    const results = await Promise.all([1, 2, 3].map((n) => b.add(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('queues what arrives during a flush for the next one, with one flush in flight at a time', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batcher<number>({
      flush: async (items) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        batches.push(items);
        if (batches.length === 1) await gate;
        inFlight--;
        return items.map(() => undefined);
      },
    });
    const first = b.add(1);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const later = [b.add(2), b.add(3), b.add(4)];
    expect(b.size).toBe(3);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(maxInFlight).toBe(1);
  });

  it('never puts two items with the same key in one batch', async () => {
    const batches: string[][] = [];
    const b = new Batcher<{ machine: string; n: number }, number>({
      key: (i) => i.machine,
      flush: async (items) => {
        batches.push(items.map((i) => `${i.machine}${i.n}`));
        return items.map((i) => i.n);
      },
    });
    await Promise.all([
      b.add({ machine: 'a', n: 1 }),
      b.add({ machine: 'b', n: 1 }),
      b.add({ machine: 'a', n: 2 }),
    ]);
    expect(batches).toEqual([['a1', 'b1'], ['a2']]);
  });

  it('splits batches at maxBatch', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number>({
      maxBatch: 2,
      flush: async (items) => {
        sizes.push(items.length);
        return items.map(() => undefined);
      },
    });
    await Promise.all([1, 2, 3, 4, 5].map((n) => b.add(n)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('retries a failed flush with the same items, and rejects them only when every attempt failed', async () => {
    let calls = 0;
    const retries: number[] = [];
    const b = new Batcher<number, string>({
      retryDelayMs: 1,
      onRetry: (_err, attempt) => retries.push(attempt),
      flush: async (items) => {
        calls++;
        if (calls < 3) throw new Error('connection lost');
        return items.map(String);
      },
    });
    await expect(Promise.all([b.add(7), b.add(8)])).resolves.toEqual(['7', '8']);
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);

    const failing = new Batcher<number>({
      attempts: 2,
      retryDelayMs: 1,
      flush: async () => {
        throw new Error('database is down');
      },
    });
    await expect(failing.add(1)).rejects.toThrow('database is down');
    // The batcher keeps working after a batch was given up on.
    expect(failing.size).toBe(0);
  });

  it('treats a result count that does not match the batch as a failure', async () => {
    const b = new Batcher<number, number>({ attempts: 1, flush: async () => [1] });
    await expect(Promise.all([b.add(1), b.add(2)])).rejects.toThrow('returned 1 results');
  });

  it('idle() waits for every queued item', async () => {
    const written: number[] = [];
    const b = new Batcher<number>({
      flush: async (items) => {
        await new Promise((r) => setTimeout(r, 5));
        written.push(...items);
        return items.map(() => undefined);
      },
    });
    void b.add(1);
    void b.add(2);
    await b.idle();
    expect(written).toEqual([1, 2]);
  });
});

describe('serialLane', () => {
  it('runs one function at a time in call order, even when one fails', async () => {
    const lane = serialLane();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) =>
      lane(async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([step('a', 10), step('b', 1, true), step('c', 1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
