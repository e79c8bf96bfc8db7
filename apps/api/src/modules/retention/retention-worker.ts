/**
 * The retention timer: a first pass shortly after start, then one pass an interval after the previous one ended
 * (a slow pass stretches the period instead of piling passes up). Stopping aborts the pass under way between two
 * batches and waits for it.
 */
import type { FastifyBaseLogger } from 'fastify';

export interface RetentionWorker {
  start(): void;
  /** no new pass starts; the one under way stops after its current batch; resolves when it has */
  stop(): Promise<void>;
}

export function retentionWorker(opts: {
  /** delay before the first pass */
  firstDelayMs: number;
  intervalMs: number;
  pass: (signal: AbortSignal) => Promise<unknown>;
  log: FastifyBaseLogger;
}): RetentionWorker {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;

  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      current = opts
        .pass(abort.signal)
        .then(() => undefined)
        .catch((err: unknown) => opts.log.error({ err }, 'retention pass failed; will retry'))
        .finally(() => {
          current = undefined;
          if (!abort.signal.aborted) schedule(opts.intervalMs);
        });
    }, delayMs);
    // Retention alone never keeps the process up.
    timer.unref();
  };

  return {
    start() {
      if (abort.signal.aborted || timer) return;
      schedule(opts.firstDelayMs);
    },
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await current;
    },
  };
}
