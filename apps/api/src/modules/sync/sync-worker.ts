/**
 * The periodic GitLab sync: one pass over every connected GitLab, then a pause of the interval, then the next.
 * Measuring the pause from the end of a pass means a slow GitLab stretches the period instead of piling runs up.
 */
import type { FastifyBaseLogger } from 'fastify';

export interface SyncWorker {
  /** the first pass starts at once */
  start(): void;
  /** no new pass starts; resolves when the one under way has ended */
  stop(): Promise<void>;
}

export function syncWorker(opts: {
  intervalMs: number;
  pass: () => Promise<void>;
  log: FastifyBaseLogger;
}): SyncWorker {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;

  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      current = opts
        .pass()
        .catch((err: unknown) => opts.log.error({ err }, 'GitLab sync pass failed'))
        .finally(() => {
          current = undefined;
          if (!stopped) schedule(opts.intervalMs);
        });
    }, delayMs);
    // The sync alone never keeps the process up.
    timer.unref();
  };

  return {
    start() {
      if (stopped || timer) return;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
