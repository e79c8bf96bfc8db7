/**
 * JavaScript and CSS each page of the web app downloads, gzipped, from the production build's manifest: the entry
 * (router, layout, vendor) plus the page's own lazily loaded chunk and everything it imports. The web build records
 * the same figures in bench/results/bundle-sizes.json by itself; this writes them into RESULTS.md. Run after a build:
 *
 *   npx pnpm --filter @paddock/web build && npx pnpm --filter @paddock/bench bundle-sizes
 *   (--dist DIR reads another build; --no-write prints without touching RESULTS.md)
 *
 * Target (issue "Wall screen, fleet overview, charts…"): the wall screen's JavaScript under 200 KB gzip.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kb, MANIFEST_FILE, measureRouteBundles, wallBudget } from '../apps/web/build/route-bundles.js';
import { machineDescription, writeSection } from './lib/stats.js';

const distFlag = process.argv.indexOf('--dist');
const dist =
  distFlag > 0 && process.argv[distFlag + 1]
    ? path.resolve(process.argv[distFlag + 1]!)
    : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps/web/dist');
const manifestPath = path.join(dist, MANIFEST_FILE);

if (!existsSync(manifestPath)) {
  console.error(
    `no build manifest at ${manifestPath}: build the web app first (npx pnpm --filter @paddock/web build)`,
  );
  process.exit(1);
}
const write = !process.argv.includes('--no-write');

const { entry, routes } = measureRouteBundles(dist);
const budget = wallBudget({ entry, routes });
const entryJs = entry.files.filter((f) => f.file.endsWith('.js'));

const lines = [
  '## Web bundle sizes per page (gzip)',
  '',
  `Command: \`npx pnpm --filter @paddock/web build && npx pnpm --filter @paddock/bench bundle-sizes\` · ${new Date().toISOString().slice(0, 10)} · ${machineDescription()}`,
  '',
  `Shared by every page (entry, router, layout, vendor): ${entryJs.map((f) => `\`${path.basename(f.file)}\` ${kb(f.gzip)}`).join(', ')}.`,
  '',
  '| page | its own chunks (JS) | all JS it loads | all CSS it loads |',
  '| --- | ---: | ---: | ---: |',
  ...routes.map((r) => `| ${r.route} | ${kb(r.ownJsGzip)} | ${kb(r.jsGzip)} | ${kb(r.cssGzip)} |`),
  '',
  budget.jsGzip === null
    ? `Target: the wall screen's JavaScript under ${kb(budget.limitJsGzip)} gzip — no wall page in this build yet.`
    : `Target: the wall screen's JavaScript under ${kb(budget.limitJsGzip)} gzip — ${kb(budget.jsGzip)}: **${budget.met ? 'met' : 'missed'}**.`,
];
const text = lines.join('\n');
console.log(text);
if (write) writeSection('bundle-sizes', text);
