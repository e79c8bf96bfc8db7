/**
 * What the wall-screen benchmark records inside the page, and how it is summarised.
 *
 * The probe is a plain script added before the app loads (`page.addInitScript`): a string, so that nothing the
 * TypeScript loader adds to compiled functions reaches the page. It records, between `start()` and `stop()`:
 * - every animation frame's interval (`requestAnimationFrame` timestamps);
 * - long tasks (`PerformanceObserver` type `longtask`: main-thread tasks over 50 ms);
 * - the heat grid's draws: the `wall-grid:draw` measures heat-grid.tsx records around each canvas pass;
 * - each pushed wall summary's arrival, taken by a `message` listener the probe adds to every WebSocket before the
 *   app's own handler, so before the frame is parsed.
 * A summary's time to screen is from its arrival to the end of the first draw that starts after it; a summary
 * followed by another before any draw is counted as superseded.
 */
import { summarize, type LatencySummary } from './stats.js';

/** The measure heat-grid.tsx records around each draw (see `GRID_DRAW_MEASURE` there). */
export const GRID_DRAW_MEASURE = 'wall-grid:draw';

export const WALL_PROBE_SCRIPT = `(() => {
  const probe = {
    recording: false, t0: 0, lastFrame: 0,
    frames: [], longTasks: [], draws: [], messages: [],
  };
  Object.defineProperty(window, '__wallProbe', { value: probe });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string' && event.data.startsWith('{"type":"wall"'))
          probe.messages.push([performance.now(), event.data.length]);
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.name === ${JSON.stringify(GRID_DRAW_MEASURE)}) probe.draws.push([e.startTime, e.duration]);
  }).observe({ type: 'measure', buffered: true });
  const frame = (t) => {
    if (!probe.recording) return;
    if (probe.lastFrame) probe.frames.push(t - probe.lastFrame);
    probe.lastFrame = t;
    requestAnimationFrame(frame);
  };
  probe.start = () => {
    probe.frames = []; probe.longTasks = []; probe.draws = []; probe.messages = [];
    probe.t0 = performance.now(); probe.lastFrame = 0; probe.recording = true;
    requestAnimationFrame(frame);
  };
  probe.stop = () => {
    probe.recording = false;
    const since = (list) => list.filter((e) => e[0] >= probe.t0);
    return {
      durationMs: performance.now() - probe.t0,
      frames: probe.frames,
      longTasks: since(probe.longTasks),
      draws: since(probe.draws),
      messages: since(probe.messages),
    };
  };
})();
//# sourceURL=paddock-bench-wall-probe.js`;

/** Calls `start()` in the page. */
export const PROBE_START = 'window.__wallProbe.start()';
/** Calls `stop()` in the page; evaluates to a `ProbeRecording`. */
export const PROBE_STOP = 'window.__wallProbe.stop()';

/** [startTime, duration] or [arrival, bytes], in the page's milliseconds */
type Pair = [number, number];

export interface ProbeRecording {
  durationMs: number;
  frames: number[];
  longTasks: Pair[];
  draws: Pair[];
  messages: Pair[];
}

export interface ProbeSummary {
  seconds: number;
  frames: LatencySummary & { perSecond: number; over50ms: number; shareOver50ms: number };
  longTasks: { count: number; totalMs: number; maxMs: number };
  summaries: {
    count: number;
    meanBytes: number;
    shown: number;
    superseded: number;
    interval: LatencySummary;
  };
  draw: LatencySummary;
  toScreen: LatencySummary;
}

/** Frame, long-task, draw and update figures of one recording. */
export function summarizeRecording(r: ProbeRecording): ProbeSummary {
  const frames = summarize(r.frames);
  const over50 = r.frames.filter((f) => f > 50).length;
  const draws = [...r.draws].sort((a, b) => a[0] - b[0]);
  const messages = [...r.messages].sort((a, b) => a[0] - b[0]);
  const toScreen: number[] = [];
  let superseded = 0;
  let d = 0;
  messages.forEach(([at], i) => {
    while (d < draws.length && draws[d]![0] < at) d++;
    const draw = draws[d];
    if (!draw) return;
    const next = messages[i + 1];
    if (next && next[0] <= draw[0]) {
      superseded++;
      return;
    }
    toScreen.push(draw[0] + draw[1] - at);
  });
  const longest = r.longTasks.reduce((m, [, dur]) => Math.max(m, dur), 0);
  return {
    seconds: r.durationMs / 1000,
    frames: {
      ...frames,
      perSecond: r.frames.length / (r.durationMs / 1000),
      over50ms: over50,
      shareOver50ms: r.frames.length ? over50 / r.frames.length : Number.NaN,
    },
    longTasks: {
      count: r.longTasks.length,
      totalMs: r.longTasks.reduce((s, [, dur]) => s + dur, 0),
      maxMs: longest,
    },
    summaries: {
      count: messages.length,
      meanBytes: messages.length ? messages.reduce((s, [, b]) => s + b, 0) / messages.length : 0,
      shown: toScreen.length,
      superseded,
      interval: summarize(messages.slice(1).map(([at], i) => at - messages[i]![0])),
    },
    draw: summarize(draws.map(([, dur]) => dur)),
    toScreen: summarize(toScreen),
  };
}

/**
 * Smooth, as the benchmark's target says: frame p95 within `frameP95Ms` and no long task over `longTaskMs`, with at
 * least one summary shown (a screen that never updates is trivially smooth).
 */
export function isSmooth(s: ProbeSummary, target: { frameP95Ms: number; longTaskMs: number }): boolean {
  return s.frames.p95 <= target.frameP95Ms && s.longTasks.maxMs <= target.longTaskMs && s.summaries.shown > 0;
}
