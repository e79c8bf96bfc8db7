/** Summaries of a V8 .cpuprofile (as written by `--cpu-prof` or the inspector's Profiler.stop). */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where code comes from, by its file: the project's modules, its libraries, Node itself. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(program)') return 'V8/native (program)';
    // node:inspector's Session#post: the profiler's own start/stop, not the app
    if (functionName === 'dispatch') return 'profiler itself (inspector dispatch)';
    return `native ${functionName || '(anonymous)'}`;
  }
  const rules: Array<[RegExp, string]> = [
    [
      /\/@prisma\/client\/|\/@prisma\/client-runtime|query_compiler|\.wasm|wasm:\/\//,
      'Prisma client runtime',
    ],
    [/\/generated\/prisma\//, 'Prisma generated client'],
    [/\/@prisma\/adapter-pg\//, 'Prisma pg adapter'],
    [
      /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(pg|pg-protocol|pg-pool|pg-types|postgres-\w+)\//,
      'pg driver',
    ],
    [/\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?ws\//, 'ws'],
    [/\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?zod\//, 'zod'],
    [
      /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(pino|pino-std-serializers|fast-redact|sonic-boom)/,
      'pino logging',
    ],
    [
      /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(fastify|@fastify|find-my-way|avvio|light-my-request)/,
      'fastify',
    ],
    [/\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?tsx\//, 'tsx loader'],
    [/\/packages\/runner-config\//, 'runner-config (render)'],
    [/\/packages\/protocol\//, 'protocol (parse/encode)'],
    [/\/apps\/api\/src\/agent-gateway\//, 'api agent-gateway'],
    [/\/apps\/api\/src\/modules\/revisions\//, 'api revisions'],
    [/\/apps\/api\/src\/live\//, 'api live hub'],
    [/\/apps\/api\/src\/lib\//, 'api lib (secrets, events)'],
    [/\/apps\/api\/src\//, 'api other'],
    [/\/bench\//, 'benchmark instrumentation'],
    [/^node:/, 'node core'],
    [/node_modules/, 'other libraries'],
  ];
  for (const [re, label] of rules) if (re.test(url)) return label;
  return 'other';
}

export interface ProfileSummary {
  totalMs: number;
  /** self time per area, largest first */
  areas: Array<{ area: string; ms: number }>;
  /** self time per function, largest first */
  functions: Array<{ name: string; ms: number }>;
  /** inclusive time of the stacks that pass through each labelled function (counted once per sample) */
  inclusive: Array<{ label: string; ms: number }>;
}

/**
 * `inclusiveOf` maps a label to a test on a frame: every sample whose stack contains a matching frame counts
 * towards that label once.
 */
export function summarizeProfile(
  profile: CpuProfile,
  inclusiveOf: Record<string, (frame: CallFrame) => boolean> = {},
  top = 20,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>(Object.keys(inclusiveOf).map((k) => [k, 0]));
  const labels = Object.entries(inclusiveOf);
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const file = frame.url.split('/').slice(-2).join('/');
    const name =
      `${frame.functionName || '(anonymous)'} ${file ? `(${file}:${frame.lineNumber + 1})` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const hit = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      for (const [label, test] of labels) if (test(f)) hit.add(label);
    }
    for (const label of hit) inclusive.set(label, inclusive.get(label)! + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    areas: sorted(areas).map(([area, ms]) => ({ area, ms })),
    functions: sorted(functions)
      .filter(([name]) => !name.startsWith('(idle)'))
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms })),
    inclusive: sorted(inclusive).map(([label, ms]) => ({ label, ms })),
  };
}
