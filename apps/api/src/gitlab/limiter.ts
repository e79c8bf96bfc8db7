/**
 * A counting semaphore: at most `max` tasks run at once, the rest wait in arrival order. One per GitLab, so a
 * fleet-wide sync cannot open hundreds of connections to the same server.
 */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** tasks running now */
  readonly active: number;
  /** tasks waiting for a slot */
  readonly waiting: number;
}

export function createLimiter(max: number): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError('a limiter needs at least one slot');
  let active = 0;
  const queue: Array<() => void> = [];

  const acquire = (): Promise<void> => {
    if (active < max) {
      active += 1;
      return Promise.resolve();
    }
    // The slot is handed over by release(), so `active` never dips while tasks are waiting.
    return new Promise((resolve) => queue.push(resolve));
  };
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active -= 1;
  };

  return {
    async run(task) {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
