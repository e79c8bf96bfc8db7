/**
 * Vite build step: once the bundle is on disk, measure every route (route-bundles.ts), print a table, write the
 * figures to a JSON report, and fail the build when the wall screen's JavaScript is over its budget. Failing here,
 * rather than in a benchmark someone has to remember to run, keeps a heavy import from reaching the kiosk unnoticed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import {
  kb,
  MANIFEST_FILE,
  measureRouteBundles,
  wallBudget,
  type RouteBundle,
  type WallBudget,
} from './route-bundles.js';

/** The JSON report: one build's per-route sizes (gzip bytes) and the wall screen's budget. */
export interface BundleReport {
  date: string;
  /** `git rev-parse HEAD` where the build ran, or null outside a repository. */
  commit: string | null;
  budget: WallBudget;
  entry: RouteBundle;
  routes: RouteBundle[];
}

/** The build output cannot be measured, or is over budget: the build stops with this message. */
export class BundleReportError extends Error {
  override name = 'BundleReportError';
}

export interface BundleReportPluginOptions {
  /** Absolute path of the JSON report; its directory is created. */
  reportFile: string;
}

export function bundleReportPlugin({ reportFile }: BundleReportPluginOptions): Plugin {
  let root = process.cwd();
  let info: (line: string) => void = console.log;
  return {
    name: 'paddock:bundle-report',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      info = (line) => config.logger.info(line);
    },
    writeBundle: {
      // After every other plugin has written its files, so the sizes are those that ship.
      order: 'post',
      sequential: true,
      handler(output) {
        try {
          writeBundleReport({
            distDir: output.dir ?? path.resolve(root, 'dist'),
            reportFile,
            commit: gitCommit(root),
            log: info,
          });
        } catch (error) {
          if (error instanceof BundleReportError) this.error(error.message);
          throw error;
        }
      },
    },
  };
}

interface WriteBundleReportOptions {
  distDir: string;
  reportFile: string;
  commit: string | null;
  log: (line: string) => void;
}

/**
 * Measures `distDir`, logs the table and writes the report, then throws `BundleReportError` if the wall route is
 * missing or over budget. The report is written either way, so a failed build still leaves its figures behind.
 */
function writeBundleReport({ distDir, reportFile, commit, log }: WriteBundleReportOptions): BundleReport {
  const manifestPath = path.join(distDir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new BundleReportError(
      `no build manifest at ${manifestPath}: the bundle report needs build.manifest: true`,
    );
  }
  const bundles = measureRouteBundles(distDir);
  const budget = wallBudget(bundles);
  const report: BundleReport = { date: new Date().toISOString(), commit, budget, ...bundles };

  log(formatTable(report));
  mkdirSync(path.dirname(reportFile), { recursive: true });
  // Through a temporary file, so whoever reads the report never sees half of it.
  const temp = `${reportFile}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(temp, reportFile);
  log(`bundle sizes written to ${path.relative(process.cwd(), reportFile) || reportFile}`);

  if (budget.jsGzip === null) {
    throw new BundleReportError(
      `the build has no "${budget.route}" route chunk, so the wall screen's ${kb(budget.limitJsGzip)} budget ` +
        `cannot be checked: if the page was renamed, update WALL_ROUTE in apps/web/build/route-bundles.ts`,
    );
  }
  if (!budget.met) {
    const wall = report.routes.find((r) => r.route === budget.route)!;
    const largest = wall.files
      .filter((f) => f.file.endsWith('.js'))
      .sort((a, b) => b.gzip - a.gzip)
      .slice(0, 3)
      .map((f) => `${path.posix.basename(f.file)} ${kb(f.gzip)}`);
    throw new BundleReportError(
      `the wall screen's JavaScript is ${kb(budget.jsGzip)} gzip, over its ${kb(budget.limitJsGzip)} budget ` +
        `(entry ${kb(report.entry.jsGzip)} + ${budget.route}'s own ${kb(wall.ownJsGzip)}; largest: ` +
        `${largest.join(', ')}). Lazy-load what the wall does not need on first paint; the budget is ` +
        `WALL_JS_GZIP_BUDGET in apps/web/build/route-bundles.ts`,
    );
  }
  return report;
}

function formatTable(report: BundleReport): string {
  const rows: string[][] = [
    ['route (gzip)', 'all JS', 'own JS', 'all CSS'],
    ...[report.entry, ...report.routes].map((r) => [
      r.route,
      kb(r.jsGzip),
      r === report.entry ? '' : kb(r.ownJsGzip),
      kb(r.cssGzip),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
  );
  const { budget } = report;
  const verdict = budget.jsGzip === null ? 'no wall route' : budget.met ? 'met' : 'OVER';
  lines.push(`${budget.route} JS budget ${kb(budget.limitJsGzip)} (WALL_JS_GZIP_BUDGET): ${verdict}`);
  return lines.join('\n');
}

function gitCommit(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a checkout (a source tarball, a container build): the report simply has no commit.
    return null;
  }
}
