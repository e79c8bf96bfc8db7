/**
 * Live job traces: one upstream poller per job on this replica, however many browsers watch it. Each poll asks
 * GitLab for the trace, keeps what it has seen, and hands viewers only the bytes they do not have yet, with
 * their offset, so a viewer that reconnects resumes where it stopped. The poller stops when the job has ended
 * (after one last read) or when its last viewer leaves.
 *
 * Offsets count bytes of the UTF-8 trace. A chunk never ends inside a multi-byte character: the incomplete tail
 * waits for the next poll, so every chunk decodes on its own.
 */

export interface TraceSnapshot {
  /** the whole trace so far */
  bytes: Buffer;
  /** false once the job has ended: nothing will be appended any more */
  running: boolean;
}

/** Reads a job's trace upstream (GitLab's `GET /projects/:id/jobs/:job_id/trace` and the job's status). */
export type TraceUpstream = (jobKey: string) => Promise<TraceSnapshot>;

export type TraceEvent =
  | { type: 'chunk'; offset: number; data: string }
  | { type: 'end'; size: number }
  | { type: 'error'; message: string };

export type TraceListener = (event: TraceEvent) => void;

/** Runs `fn` after `ms`; returns a cancel function. Injected so tests drive time. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

export const timerScheduler: Scheduler = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export interface TracePollerOptions {
  upstream: TraceUpstream;
  intervalMs?: number;
  scheduler?: Scheduler;
  /** largest piece sent in one event, so a 50 MB log reaches a new viewer in many small frames */
  maxChunkBytes?: number;
  onError?: (jobKey: string, err: unknown) => void;
}

/** The end of the longest prefix of `buf[0..end)` that does not cut a UTF-8 character. */
export function utf8Boundary(buf: Buffer, end: number): number {
  // Walk back over at most three continuation bytes to the start of the last character.
  let i = end - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && (buf[i]! & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return end;
  const lead = buf[i]!;
  const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + length <= end ? end : i;
}

interface Viewer {
  listener: TraceListener;
  /** bytes this viewer has */
  offset: number;
}

class JobPoller {
  private bytes: Buffer = Buffer.alloc(0);
  /** bytes that form whole characters (what viewers may be sent) */
  private complete = 0;
  private running = true;
  private cancel: (() => void) | null = null;
  private polling = false;
  private stopped = false;
  readonly viewers = new Set<Viewer>();

  constructor(
    private readonly jobKey: string,
    private readonly options: Required<Omit<TracePollerOptions, 'onError'>> &
      Pick<TracePollerOptions, 'onError'>,
    private readonly onStop: () => void,
  ) {}

  start(): void {
    void this.poll();
  }

  add(viewer: Viewer): void {
    this.viewers.add(viewer);
    this.catchUp(viewer);
    if (!this.running) viewer.listener({ type: 'end', size: this.complete });
  }

  remove(viewer: Viewer): void {
    this.viewers.delete(viewer);
    if (this.viewers.size === 0) this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancel?.();
    this.onStop();
  }

  /** The pieces from `offset` to what is complete, each at most maxChunkBytes and never inside a character. */
  private piecesFrom(offset: number): TraceEvent[] {
    const pieces: TraceEvent[] = [];
    while (offset < this.complete) {
      const end = utf8Boundary(this.bytes, Math.min(this.complete, offset + this.options.maxChunkBytes));
      // A character longer than the chunk size cannot happen (4 bytes at most), but never loop forever.
      const stop = end > offset ? end : this.complete;
      pieces.push({ type: 'chunk', offset, data: this.bytes.subarray(offset, stop).toString('utf8') });
      offset = stop;
    }
    return pieces;
  }

  private catchUp(viewer: Viewer): void {
    for (const piece of this.piecesFrom(viewer.offset)) viewer.listener(piece);
    viewer.offset = Math.max(viewer.offset, this.complete);
  }

  /**
   * Sends every viewer what it lacks. Viewers holding the same bytes (all of them, usually) are handed the same
   * event objects, decoded once, so a listener can serialise each piece once for hundreds of sockets.
   */
  private catchUpAll(): void {
    const byOffset = new Map<number, Viewer[]>();
    for (const v of this.viewers) {
      if (v.offset >= this.complete) continue;
      const same = byOffset.get(v.offset);
      if (same) same.push(v);
      else byOffset.set(v.offset, [v]);
    }
    for (const [offset, viewers] of byOffset) {
      const pieces = this.piecesFrom(offset);
      for (const v of viewers) {
        for (const piece of pieces) v.listener(piece);
        v.offset = this.complete;
      }
    }
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.polling) return;
    this.polling = true;
    try {
      const snapshot = await this.options.upstream(this.jobKey);
      if (this.stopped) return;
      // A trace only grows; a shorter answer (a stale cache upstream) is ignored rather than rewinding viewers.
      if (snapshot.bytes.length >= this.bytes.length) this.bytes = snapshot.bytes;
      this.complete = snapshot.running ? utf8Boundary(this.bytes, this.bytes.length) : this.bytes.length;
      this.catchUpAll();
      if (!snapshot.running) {
        this.running = false;
        const end: TraceEvent = { type: 'end', size: this.complete };
        for (const v of this.viewers) v.listener(end);
        this.stop();
        return;
      }
    } catch (err) {
      this.options.onError?.(this.jobKey, err);
      const message = err instanceof Error ? err.message : 'the trace could not be read';
      const error: TraceEvent = { type: 'error', message };
      for (const v of this.viewers) v.listener(error);
    } finally {
      this.polling = false;
    }
    if (!this.stopped) this.cancel = this.options.scheduler(() => void this.poll(), this.options.intervalMs);
  }
}

export class TracePollers {
  private readonly pollers = new Map<string, JobPoller>();
  private pollCount = 0;
  private readonly options: Required<Omit<TracePollerOptions, 'onError'>> &
    Pick<TracePollerOptions, 'onError'>;

  constructor(options: TracePollerOptions) {
    this.options = {
      intervalMs: 3_000,
      scheduler: timerScheduler,
      maxChunkBytes: 256 * 1024,
      ...options,
      upstream: (jobKey) => {
        this.pollCount++;
        return options.upstream(jobKey);
      },
    };
  }

  /** jobs polled now */
  get active(): number {
    return this.pollers.size;
  }

  /** whether this job is polled now */
  has(jobKey: string): boolean {
    return this.pollers.has(jobKey);
  }

  /** upstream reads made so far, all jobs together */
  get polls(): number {
    return this.pollCount;
  }

  /**
   * Starts sending the job's trace from byte `offset` (0 for a new viewer, the bytes it has after a
   * reconnect). Returns the function that stops watching.
   */
  watch(jobKey: string, listener: TraceListener, offset = 0): () => void {
    let poller = this.pollers.get(jobKey);
    const fresh = !poller;
    if (!poller) {
      poller = new JobPoller(jobKey, this.options, () => {
        if (this.pollers.get(jobKey) === poller) this.pollers.delete(jobKey);
      });
      this.pollers.set(jobKey, poller);
    }
    const viewer: Viewer = { listener, offset: Math.max(0, Math.floor(offset)) };
    poller.add(viewer);
    if (fresh) poller.start();
    const owner = poller;
    return () => owner.remove(viewer);
  }

  close(): void {
    for (const p of this.pollers.values()) p.stop();
    this.pollers.clear();
  }
}
