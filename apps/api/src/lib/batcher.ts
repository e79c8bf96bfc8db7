/**
 * Turns many small writes into few statements. Items queue while one flush is in flight; the next flush takes
 * everything that arrived meanwhile, so under a burst (1,000 agents answering one rollout) the database sees a
 * handful of set-based statements instead of a thousand transactions fighting for the pool, and when idle an
 * item is written at once (no timer adds latency).
 *
 * A flush that throws is retried with a growing pause; the items stay queued and nothing is dropped unless every
 * attempt fails, in which case their promises reject with the last error.
 */
export interface BatcherOptions<T, R> {
  /** Writes one batch; returns one result per item, in order. */
  flush: (items: T[]) => Promise<R[]>;
  /**
   * Items with the same key never share a batch (e.g. two answers of one machine): the later one waits for the
   * next flush, so a set-based UPDATE never touches a row twice.
   */
  key?: (item: T) => string;
  /** most items per statement */
  maxBatch?: number;
  /** attempts per batch before its items are rejected */
  attempts?: number;
  /** first pause between attempts, doubled each time */
  retryDelayMs?: number;
  onRetry?: (err: unknown, attempt: number, size: number) => void;
}

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}

export class Batcher<T, R = void> {
  private queue: Array<Pending<T, R>> = [];
  private running: Promise<void> | null = null;
  private readonly maxBatch: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: BatcherOptions<T, R>) {
    this.maxBatch = options.maxBatch ?? 2_000;
    this.attempts = options.attempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 100;
  }

  /** Queues an item; resolves with its result once the batch holding it is written. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** items waiting for a flush */
  get size(): number {
    return this.queue.length;
  }

  /** Resolves when everything queued so far has been written (or given up on). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let the current tick's other answers join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) await this.flushOnce(this.take());
    } finally {
      this.running = null;
    }
  }

  private take(): Array<Pending<T, R>> {
    const { key } = this.options;
    const batch: Array<Pending<T, R>> = [];
    const rest: Array<Pending<T, R>> = [];
    const seen = new Set<string>();
    for (const p of this.queue) {
      if (batch.length >= this.maxBatch) {
        rest.push(p);
        continue;
      }
      if (key) {
        const k = key(p.item);
        if (seen.has(k)) {
          rest.push(p);
          continue;
        }
        seen.add(k);
      }
      batch.push(p);
    }
    this.queue = rest;
    return batch;
  }

  private async flushOnce(batch: Array<Pending<T, R>>): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const results = await this.options.flush(batch.map((p) => p.item));
        if (results.length !== batch.length) {
          throw new Error(`a batch of ${batch.length} returned ${results.length} results`);
        }
        batch.forEach((p, i) => p.resolve(results[i]!));
        return;
      } catch (err) {
        lastError = err;
        if (attempt === this.attempts) break;
        this.options.onRetry?.(err, attempt, batch.length);
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** (attempt - 1)));
      }
    }
    for (const p of batch) p.reject(lastError);
  }
}

/**
 * Runs the functions given to it one at a time, in call order. Batchers that update the same rows share one, so
 * their statements never wait on each other's row locks (and can never deadlock each other).
 */
export function serialLane(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}
