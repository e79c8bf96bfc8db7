/**
 * What a page's long tasks are made of, from a Chromium trace (`browser.startTracing` with the DevTools timeline
 * categories): the renderer main thread's tasks over a threshold, and the time inside them by trace event (script,
 * style, layout, paint, commit, garbage collection…), each event counted for its own time without its children's.
 *
 * Both clocks are kept: wall time, which is what the page feels, and the thread's CPU time (`tdur`), which is the
 * work itself. On a machine shared with other busy processes the first can be many times the second.
 */

/** The trace categories the breakdown needs: DevTools' timeline, with V8's execution and GC events. */
export const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'toplevel',
  'v8.execute',
  'v8',
  'blink.user_timing',
];

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  /** the thread's CPU time during the event */
  tdur?: number;
  args?: { name?: string; data?: { type?: string } };
}

export interface LongTaskBreakdown {
  /** every task on the main thread during the trace: how many, their CPU time, the most CPU one of them took */
  all: { tasks: number; cpuMs: number; cpuMaxMs: number; wallMaxMs: number };
  /** `measure` events of this name in the trace (the grid's draws), to put the CPU time per update */
  measures: number;
  tasks: number;
  totalMs: number;
  maxMs: number;
  /** the main thread's CPU time in them */
  cpuTotalMs: number;
  cpuMaxMs: number;
  /** own wall and CPU time per event name across the long tasks, largest CPU time first */
  byEvent: Array<{ name: string; ms: number; cpuMs: number }>;
}

const TOP_LEVEL = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);

/** Names events by what they do; an `EventDispatch` is named by its event type (`message`, `load`…). */
function label(e: TraceEvent): string {
  if (e.name === 'EventDispatch' && e.args?.data?.type) return `EventDispatch (${e.args.data.type})`;
  return e.name;
}

export function longTaskBreakdown(traceJson: string, measure: string, minMs = 50): LongTaskBreakdown {
  const parsed = JSON.parse(traceJson) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  // The page's main thread: the renderer thread named CrRendererMain (one page is open).
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const onMain = events
    .filter((e) => e.ph === 'X' && e.dur !== undefined && mains.has(`${e.pid}:${e.tid}`))
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);

  // Top-level tasks: those not inside another task (the trace nests RunTask in ThreadControllerImpl::RunTask).
  const all = { tasks: 0, cpuMs: 0, cpuMaxMs: 0, wallMaxMs: 0 };
  let openUntil = -1;
  for (const e of onMain) {
    if (!TOP_LEVEL.has(e.name) || e.ts < openUntil) continue;
    openUntil = e.ts + e.dur!;
    all.tasks++;
    all.cpuMs += (e.tdur ?? 0) / 1000;
    all.cpuMaxMs = Math.max(all.cpuMaxMs, (e.tdur ?? 0) / 1000);
    all.wallMaxMs = Math.max(all.wallMaxMs, e.dur! / 1000);
  }
  // User Timing measures are async trace events: a begin and an end each.
  const measures = events.filter((e) => e.name === measure && (e.ph === 'b' || e.ph === 'B')).length;

  const own = new Map<string, { ms: number; cpuMs: number }>();
  let tasks = 0;
  let totalUs = 0;
  let maxUs = 0;
  let cpuTotalUs = 0;
  let cpuMaxUs = 0;
  let task: { end: number } | null = null;
  /** the open events inside the current long task, outermost first, with their children's summed times */
  const stack: Array<{ e: TraceEvent; end: number; children: number; childrenCpu: number }> = [];
  const close = (until: number) => {
    while (stack.length > 0 && stack.at(-1)!.end <= until) {
      const top = stack.pop()!;
      const t = own.get(label(top.e)) ?? { ms: 0, cpuMs: 0 };
      t.ms += (top.e.dur! - top.children) / 1000;
      t.cpuMs += Math.max(0, (top.e.tdur ?? 0) - top.childrenCpu) / 1000;
      own.set(label(top.e), t);
    }
  };
  for (const e of onMain) {
    if (task && e.ts >= task.end) {
      close(Number.POSITIVE_INFINITY);
      task = null;
    }
    if (!task) {
      if (!TOP_LEVEL.has(e.name) || e.dur! < minMs * 1000) continue;
      task = { end: e.ts + e.dur! };
      tasks++;
      totalUs += e.dur!;
      maxUs = Math.max(maxUs, e.dur!);
      cpuTotalUs += e.tdur ?? 0;
      cpuMaxUs = Math.max(cpuMaxUs, e.tdur ?? 0);
    }
    close(e.ts);
    const end = Math.min(e.ts + e.dur!, task.end);
    const parent = stack.at(-1);
    if (parent) {
      parent.children += end - e.ts;
      parent.childrenCpu += e.tdur ?? 0;
    }
    stack.push({ e: { ...e, dur: end - e.ts }, end, children: 0, childrenCpu: 0 });
  }
  close(Number.POSITIVE_INFINITY);
  return {
    all,
    measures,
    tasks,
    totalMs: totalUs / 1000,
    maxMs: maxUs / 1000,
    cpuTotalMs: cpuTotalUs / 1000,
    cpuMaxMs: cpuMaxUs / 1000,
    byEvent: [...own].sort((a, b) => b[1].cpuMs - a[1].cpuMs).map(([name, t]) => ({ name, ...t })),
  };
}
