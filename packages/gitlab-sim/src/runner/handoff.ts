/**
 * The two unbuffered Go channels between gitlab-runner's feeder and its workers (commands/multi.go): `runners`,
 * which hands a runner to an idle worker, and `stopWorker`, which only an idle worker reads. A send waits until a
 * worker takes it; `offer` is the non-blocking send of `requeueRunner`. When a stop and a runner are both waiting,
 * the stop wins (Go's select would pick at random; stopping first keeps scale-down prompt and deterministic).
 */

export type WorkerMessage<T> = { kind: 'runner'; runner: T } | { kind: 'stop' };

interface PendingSend<T> {
  readonly runner: T;
  readonly taken: () => void;
}

export class Handoff<T> {
  private readonly idle: Array<(message: WorkerMessage<T>) => void> = [];
  private readonly sends: Array<PendingSend<T>> = [];
  private readonly stops: Array<() => void> = [];

  /** A worker waits for its next runner, or for the order to stop. */
  receive(): Promise<WorkerMessage<T>> {
    const stop = this.stops.shift();
    if (stop) {
      stop();
      return Promise.resolve({ kind: 'stop' });
    }
    const send = this.sends.shift();
    if (send) {
      send.taken();
      return Promise.resolve({ kind: 'runner', runner: send.runner });
    }
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Blocking send: settles once a worker took the runner; rejects when aborted first. */
  send(runner: T, signal: AbortSignal): Promise<void> {
    const worker = this.idle.shift();
    if (worker) {
      worker({ kind: 'runner', runner });
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const pending: PendingSend<T> = {
        runner,
        taken: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.sends.indexOf(pending);
        if (i >= 0) this.sends.splice(i, 1);
        reject(signal.reason as Error);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.sends.push(pending);
    });
  }

  /** Non-blocking send: true when an idle worker took the runner. */
  offer(runner: T): boolean {
    const worker = this.idle.shift();
    if (!worker) return false;
    worker({ kind: 'runner', runner });
    return true;
  }

  /** Stops one worker as soon as one is idle; rejects when aborted first. */
  stopOne(signal?: AbortSignal): Promise<void> {
    const worker = this.idle.shift();
    if (worker) {
      worker({ kind: 'stop' });
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const stopped = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.stops.indexOf(stopped);
        if (i >= 0) this.stops.splice(i, 1);
        reject(signal?.reason as Error);
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.stops.push(stopped);
    });
  }
}
