/**
 * A CPU profile of a page's main thread (CDP `Profiler`), mapped from the minified production bundle back to the
 * web app's sources through the build's source maps, and summarised by area and by function.
 */
import path from 'node:path';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './cpuprofile.js';
import { sourceMapsOf } from './source-map.js';

interface CdpCallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** What CDP's `Profiler.stop` returns: V8's profile, with columns. */
export interface CdpProfile extends Omit<CpuProfile, 'nodes'> {
  nodes: Array<{ id: number; callFrame: CdpCallFrame; children?: number[] }>;
}

/** Where browser code comes from, by its original file. */
export function browserArea(frame: { functionName: string; url: string }): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(program)') return 'browser native (program: layout, paint, raster…)';
    return `native ${functionName || '(anonymous)'}`;
  }
  const rules: Array<[RegExp, string]> = [
    [/paddock-bench-wall-probe\.js$/, 'the benchmark’s probe'],
    [/\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?zod\//, 'zod (parsing the summary)'],
    [/\/packages\/contracts\//, 'contracts (zod schemas)'],
    [/\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(react|react-dom|scheduler)\//, 'React'],
    [
      /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?@tanstack\/(query-core|react-query)\//,
      'TanStack Query',
    ],
    [/\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?@tanstack\//, 'TanStack Router'],
    [/\/src\/features\/wall\/components\/heat-grid/, 'web: heat grid'],
    [/\/src\/features\/wall\//, 'web: wall page'],
    [/\/src\/lib\/live\//, 'web: live connection'],
    [/\/src\//, 'web: other'],
    [/node_modules/, 'other libraries'],
  ];
  for (const [re, label] of rules) if (re.test(url)) return label;
  return 'other';
}

export interface BrowserProfileSummary extends ProfileSummary {
  /** self time per area (browserArea), largest first */
  browserAreas: Array<{ area: string; ms: number }>;
}

/**
 * Maps every frame of `profile` through the source maps of the bundles in `assetsDir` (served under `/assets/`),
 * then summarises it. A frame keeps its minified name when the map has none for its position.
 */
export function summarizeBrowserProfile(
  profile: CdpProfile,
  assetsDir: string,
  top = 15,
): BrowserProfileSummary {
  const mapOf = sourceMapsOf((url) => {
    const at = url.indexOf('/assets/');
    return at < 0 ? null : path.join(assetsDir, url.slice(at + '/assets/'.length).split('?')[0]!);
  });
  const nodes = profile.nodes.map((n) => {
    const f = n.callFrame;
    const original = f.url ? mapOf(f.url)?.lookup(f.lineNumber, f.columnNumber) : null;
    const callFrame = original
      ? {
          functionName: f.functionName || original.name || '(anonymous)',
          url: `/${original.source}`,
          lineNumber: original.line - 1,
        }
      : { functionName: f.functionName, url: f.url, lineNumber: f.lineNumber };
    return { ...n, callFrame };
  });
  const mapped: CpuProfile = { ...profile, nodes };
  const byArea = (area: string) => (frame: { functionName: string; url: string }) =>
    browserArea(frame) === area;
  const areas = [...new Set(nodes.map((n) => browserArea(n.callFrame)))].filter((a) => a !== 'idle');
  const summary = summarizeProfile(mapped, Object.fromEntries(areas.map((a) => [a, byArea(a)])), top);
  const self = new Map<string, number>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const area = browserArea(byId.get(id)!.callFrame);
    self.set(area, (self.get(area) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return {
    ...summary,
    browserAreas: [...self]
      .filter(([area]) => area !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([area, ms]) => ({ area, ms })),
  };
}
