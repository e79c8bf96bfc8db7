/**
 * JavaScript and CSS each page of the web app downloads, gzipped, from the production build's manifest: the entry
 * (router, layout, vendor) plus the page's own lazily loaded chunk and everything it imports. Run after a build:
 *
 *   npx pnpm --filter @paddock/web build && npx pnpm --filter @paddock/bench bundle-sizes
 *   (--dist DIR reads another build; --no-write prints without touching RESULTS.md)
 *
 * Target (issue "Wall screen, fleet overview, charts…"): the wall screen's JavaScript under 200 KB gzip.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { machineDescription, writeSection } from './lib/stats.js';

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  css?: string[];
}

const distFlag = process.argv.indexOf('--dist');
const dist =
  distFlag > 0 && process.argv[distFlag + 1]
    ? path.resolve(process.argv[distFlag + 1]!)
    : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps/web/dist');
const manifestPath = path.join(dist, '.vite/manifest.json');
const WALL_BUDGET = 200 * 1024;

if (!existsSync(manifestPath)) {
  console.error(
    `no build manifest at ${manifestPath}: build the web app first (npx pnpm --filter @paddock/web build)`,
  );
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, ManifestChunk>;
const write = !process.argv.includes('--no-write');

const gz = new Map<string, { raw: number; gzip: number }>();
function size(file: string) {
  let s = gz.get(file);
  if (!s) {
    const bytes = readFileSync(path.join(dist, file));
    s = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    gz.set(file, s);
  }
  return s;
}

/** Every file a chunk needs: itself, its static imports (transitively) and their CSS. */
function closure(key: string, seen = new Set<string>()): Set<string> {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const css of chunk.css ?? []) seen.add(css);
  for (const imported of chunk.imports ?? []) closure(imported, seen);
  return seen;
}

const entryKey = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
if (!entryKey) throw new Error('the manifest names no entry');
const entryFiles = closure(entryKey);

/** `src/features/jobs/components/job-trace-page.tsx` → `job-trace-page` */
const pageName = (src: string) => path.basename(src).replace(/\.[jt]sx?$/, '');

interface Row {
  page: string;
  jsGzip: number;
  cssGzip: number;
  ownJsGzip: number;
}
const rows: Row[] = [];
for (const [key, chunk] of Object.entries(manifest)) {
  if (!chunk.isDynamicEntry || !chunk.src?.includes('/components/')) continue;
  const files = new Set([...entryFiles, ...closure(key)]);
  const own = [...closure(key)].filter((f) => !entryFiles.has(f));
  const sum = (list: Iterable<string>, ext: string) =>
    [...list].filter((f) => f.endsWith(ext)).reduce((n, f) => n + size(f).gzip, 0);
  rows.push({
    page: pageName(chunk.src),
    jsGzip: sum(files, '.js'),
    cssGzip: sum(files, '.css'),
    ownJsGzip: sum(own, '.js'),
  });
}
rows.sort((a, b) => a.page.localeCompare(b.page));

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const entryJs = [...entryFiles].filter((f) => f.endsWith('.js'));
const lines = [
  '## Web bundle sizes per page (gzip)',
  '',
  `Command: \`npx pnpm --filter @paddock/web build && npx pnpm --filter @paddock/bench bundle-sizes\` · ${new Date().toISOString().slice(0, 10)} · ${machineDescription()}`,
  '',
  `Shared by every page (entry, router, layout, vendor): ${entryJs.map((f) => `\`${path.basename(f)}\` ${kb(size(f).gzip)}`).join(', ')}.`,
  '',
  '| page | its own chunks (JS) | all JS it loads | all CSS it loads |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.page} | ${kb(r.ownJsGzip)} | ${kb(r.jsGzip)} | ${kb(r.cssGzip)} |`),
];
const wall = rows.find((r) => r.page.startsWith('wall'));
lines.push(
  '',
  wall
    ? `Target: the wall screen's JavaScript under ${kb(WALL_BUDGET)} gzip — ${kb(wall.jsGzip)}: **${wall.jsGzip < WALL_BUDGET ? 'met' : 'missed'}**.`
    : `Target: the wall screen's JavaScript under ${kb(WALL_BUDGET)} gzip — no wall page in this build yet.`,
);
const text = lines.join('\n');
console.log(text);
if (write) writeSection('bundle-sizes', text);
