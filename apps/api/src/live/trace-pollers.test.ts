import { describe, expect, it } from 'vitest';
import { TracePollers, utf8Boundary, type Scheduler, type TraceEvent } from './trace-pollers.js';

/** A scheduler the test advances by hand: `tick()` runs everything due. */
function manualScheduler() {
  let due: Array<() => void> = [];
  const scheduler: Scheduler = (fn) => {
    due.push(fn);
    return () => {
      due = due.filter((f) => f !== fn);
    };
  };
  return {
    scheduler,
    async tick() {
      const now = due;
      due = [];
      for (const fn of now) fn();
      await new Promise((r) => setImmediate(r));
    },
    get pending() {
      return due.length;
    },
  };
}

/** An upstream whose trace the test appends to, counting requests. */
function fakeJob(initial = '') {
  const job = { text: Buffer.from(initial), running: true, requests: 0, fail: false };
  const upstream = async () => {
    job.requests++;
    if (job.fail) throw new Error('GitLab answered 502');
    return { bytes: Buffer.from(job.text), running: job.running };
  };
  return { job, upstream, append: (s: string) => (job.text = Buffer.concat([job.text, Buffer.from(s)])) };
}

const collect = () => {
  const events: TraceEvent[] = [];
  const text = () =>
    events
      .filter((e): e is Extract<TraceEvent, { type: 'chunk' }> => e.type === 'chunk')
      .map((e) => e.data)
      .join('');
  return { events, listener: (e: TraceEvent) => events.push(e), text };
};

const settle = () => new Promise((r) => setImmediate(r));

describe('utf8Boundary', () => {
  it('never cuts a character', () => {
    const buf = Buffer.from('ab€😀');
    expect(buf.length).toBe(2 + 3 + 4);
    expect(utf8Boundary(buf, 9)).toBe(9);
    expect(utf8Boundary(buf, 8)).toBe(5);
    expect(utf8Boundary(buf, 6)).toBe(5);
    expect(utf8Boundary(buf, 5)).toBe(5);
    expect(utf8Boundary(buf, 4)).toBe(2);
    expect(utf8Boundary(buf, 2)).toBe(2);
  });
});

describe('TracePollers', () => {
  it('polls each job once per interval however many viewers watch it, sending each only new bytes', async () => {
    const clock = manualScheduler();
    const { job, upstream, append } = fakeJob('line 1\n');
    const pollers = new TracePollers({ upstream, scheduler: clock.scheduler });
    const viewers = Array.from({ length: 50 }, () => collect());
    for (const v of viewers) pollers.watch('job-1', v.listener);
    await settle();
    expect(job.requests).toBe(1);
    expect(pollers.active).toBe(1);

    append('line 2\n');
    await clock.tick();
    append('line 3\n');
    await clock.tick();
    expect(job.requests).toBe(3);
    for (const v of viewers) {
      expect(v.text()).toBe('line 1\nline 2\nline 3\n');
      expect(v.events.map((e) => (e.type === 'chunk' ? e.offset : -1))).toEqual([0, 7, 14]);
    }
  });

  it('gives a late viewer everything so far at once, and a returning viewer only what it missed', async () => {
    const clock = manualScheduler();
    const { upstream, append } = fakeJob('0123456789');
    const pollers = new TracePollers({ upstream, scheduler: clock.scheduler, maxChunkBytes: 4 });
    const first = collect();
    pollers.watch('job', first.listener);
    await settle();
    expect(first.events.map((e) => (e.type === 'chunk' ? e.data : e.type))).toEqual(['0123', '4567', '89']);

    append('abc');
    await clock.tick();
    const resumed = collect();
    pollers.watch('job', resumed.listener, 8);
    expect(resumed.text()).toBe('89abc');
  });

  it('holds back an incomplete character until the rest arrives', async () => {
    const clock = manualScheduler();
    const euro = Buffer.from('€');
    const { job, upstream } = fakeJob();
    job.text = Buffer.concat([Buffer.from('price: '), euro.subarray(0, 2)]);
    const pollers = new TracePollers({ upstream, scheduler: clock.scheduler });
    const v = collect();
    pollers.watch('job', v.listener);
    await settle();
    expect(v.text()).toBe('price: ');
    job.text = Buffer.concat([Buffer.from('price: '), euro, Buffer.from('5\n')]);
    await clock.tick();
    expect(v.text()).toBe('price: €5\n');
  });

  it('stops after the job ends, telling viewers the final size', async () => {
    const clock = manualScheduler();
    const { job, upstream, append } = fakeJob('running\n');
    const pollers = new TracePollers({ upstream, scheduler: clock.scheduler });
    const v = collect();
    pollers.watch('job', v.listener);
    await settle();
    append('Job succeeded\n');
    job.running = false;
    await clock.tick();
    expect(v.events.at(-1)).toEqual({ type: 'end', size: 22 });
    expect(pollers.active).toBe(0);
    expect(clock.pending).toBe(0);
    await clock.tick();
    expect(job.requests).toBe(2);
  });

  it('stops polling when the last viewer leaves, and starts again for a new one', async () => {
    const clock = manualScheduler();
    const { job, upstream } = fakeJob('x');
    const pollers = new TracePollers({ upstream, scheduler: clock.scheduler });
    const a = pollers.watch('job', collect().listener);
    const b = pollers.watch('job', collect().listener);
    await settle();
    a();
    await clock.tick();
    expect(job.requests).toBe(2);
    b();
    expect(pollers.active).toBe(0);
    await clock.tick();
    expect(job.requests).toBe(2);
    pollers.watch('job', collect().listener);
    await settle();
    expect(job.requests).toBe(3);
  });

  it('reports upstream failures to viewers and keeps polling', async () => {
    const clock = manualScheduler();
    const { job, upstream } = fakeJob('start\n');
    const errors: string[] = [];
    const pollers = new TracePollers({
      upstream,
      scheduler: clock.scheduler,
      onError: (k) => errors.push(k),
    });
    const v = collect();
    job.fail = true;
    pollers.watch('job', v.listener);
    await settle();
    expect(v.events).toEqual([{ type: 'error', message: 'GitLab answered 502' }]);
    job.fail = false;
    await clock.tick();
    expect(v.text()).toBe('start\n');
    expect(errors).toEqual(['job']);
  });
});
