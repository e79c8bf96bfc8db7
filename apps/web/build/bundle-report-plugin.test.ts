import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleReportPlugin, type BundleReport } from './bundle-report-plugin.js';
import { WALL_JS_GZIP_BUDGET } from './route-bundles.js';

// A real Vite build of a two-page app, so the plugin is tested where it runs: after Vite has written the bundle.
let app: string;
let reportFile: string;
beforeEach(() => {
  app = mkdtempSync(path.join(tmpdir(), 'bundle-report-'));
  reportFile = path.join(app, 'results', 'bundle-sizes.json');
  writeFileSync(
    path.join(app, 'index.html'),
    '<!doctype html><script type="module" src="/main.js"></script>',
  );
  writeFileSync(
    path.join(app, 'main.js'),
    "const pages = { wall: () => import('./wall-page.js'), jobs: () => import('./jobs-page.js') };\n" +
      'pages[location.pathname.slice(1)]?.().then((page) => page.render());\n',
  );
  writePage('jobs-page', 'jobs');
});
afterEach(() => rmSync(app, { recursive: true, force: true }));

function writePage(name: string, text: string) {
  writeFileSync(
    path.join(app, `${name}.js`),
    `export function render() { document.body.textContent = ${JSON.stringify(text)}; }\n`,
  );
}

const buildApp = () =>
  build({
    root: app,
    configFile: false,
    logLevel: 'silent',
    build: { outDir: 'dist', manifest: true },
    plugins: [bundleReportPlugin({ reportFile })],
  });

const readReport = () => JSON.parse(readFileSync(reportFile, 'utf8')) as BundleReport;

describe('bundleReportPlugin', () => {
  it('writes every route’s sizes and the wall budget after the build', async () => {
    writePage('wall-page', 'wall');

    await buildApp();

    const report = readReport();
    expect(report.routes.map((r) => r.route)).toEqual(['jobs-page', 'wall-page']);
    expect(report.budget).toMatchObject({ route: 'wall-page', limitJsGzip: WALL_JS_GZIP_BUDGET, met: true });
    const wall = report.routes[1]!;
    expect(report.budget.jsGzip).toBe(wall.jsGzip);
    expect(wall.jsGzip).toBe(report.entry.jsGzip + wall.ownJsGzip);
    for (const { file } of wall.files) expect(existsSync(path.join(app, 'dist', file))).toBe(true);
    expect(Date.parse(report.date)).not.toBeNaN();
  });

  it('fails the build when the wall screen’s JavaScript is over budget, and still writes the report', async () => {
    // Random bytes do not compress: their base64 text gzips to more than the budget by itself.
    writePage('wall-page', randomBytes(WALL_JS_GZIP_BUDGET + 64 * 1024).toString('base64'));

    await expect(buildApp()).rejects.toThrow(
      /wall screen's JavaScript is .* gzip, over its 200\.0 KB budget/,
    );

    const { budget } = readReport();
    expect(budget.met).toBe(false);
    expect(budget.jsGzip).toBeGreaterThan(WALL_JS_GZIP_BUDGET);
  });

  it('fails the build when there is no wall route to check', async () => {
    writeFileSync(path.join(app, 'main.js'), "import('./jobs-page.js').then((page) => page.render());\n");

    await expect(buildApp()).rejects.toThrow(/no "wall-page" route chunk/);
  });
});
