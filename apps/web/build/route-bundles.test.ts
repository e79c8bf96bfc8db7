import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MANIFEST_FILE,
  measureRouteBundles,
  routeBundles,
  routeName,
  WALL_JS_GZIP_BUDGET,
  wallBudget,
  type Manifest,
} from './route-bundles.js';

// The shape Vite writes: the entry (router inside) imports shared chunks statically and every page with import().
const manifest: Manifest = {
  'index.html': {
    file: 'assets/index.js',
    src: 'index.html',
    isEntry: true,
    imports: ['_vendor.js'],
    dynamicImports: [
      'src/features/wall/components/wall-page.tsx',
      'src/features/jobs/components/jobs-page.tsx',
    ],
    css: ['assets/index.css'],
  },
  '_vendor.js': { file: 'assets/vendor.js' },
  '_table.js': { file: 'assets/table.js', imports: ['_vendor.js'], css: ['assets/table.css'] },
  // Loaded lazily by a page, not by the entry: not a route of its own.
  '_chart.js': { file: 'assets/chart.js' },
  'src/features/wall/components/wall-page.tsx': {
    file: 'assets/wall-page.js',
    src: 'src/features/wall/components/wall-page.tsx',
    isDynamicEntry: true,
    imports: ['index.html', '_vendor.js'],
    css: ['assets/wall-page.css'],
  },
  'src/features/jobs/components/jobs-page.tsx': {
    file: 'assets/jobs-page.js',
    src: 'src/features/jobs/components/jobs-page.tsx',
    isDynamicEntry: true,
    imports: ['index.html', '_table.js'],
    dynamicImports: ['_chart.js'],
  },
};

/** Fake file contents of different sizes, so a file counted twice or missed changes the sums. */
const contents: Record<string, string> = {
  'assets/index.js': 'entry();'.repeat(50),
  'assets/index.css': 'body{margin:0}'.repeat(10),
  'assets/vendor.js': Array.from({ length: 300 }, (_, i) => `export const v${i} = ${i * 7919};`).join('\n'),
  'assets/table.js': 'table();'.repeat(30),
  'assets/table.css': '.table{}'.repeat(7),
  'assets/chart.js': 'chart();'.repeat(90),
  'assets/wall-page.js': 'wall();'.repeat(70),
  'assets/wall-page.css': '.wall{color:#fff}'.repeat(12),
  'assets/jobs-page.js': 'jobs();'.repeat(40),
};

const gzip = (file: string) => gzipSync(contents[file]!, { level: 9 }).length;
const total = (...files: string[]) => files.reduce((n, f) => n + gzip(f), 0);

let dist: string;
beforeEach(() => {
  dist = mkdtempSync(path.join(tmpdir(), 'route-bundles-'));
  mkdirSync(path.join(dist, 'assets'));
  mkdirSync(path.join(dist, path.dirname(MANIFEST_FILE)));
  writeFileSync(path.join(dist, MANIFEST_FILE), JSON.stringify(manifest));
  for (const [file, text] of Object.entries(contents)) writeFileSync(path.join(dist, file), text);
});
afterEach(() => rmSync(dist, { recursive: true, force: true }));

describe('measureRouteBundles', () => {
  it('lists the entry and each page the entry loads lazily, sorted by name', () => {
    const { entry, routes } = measureRouteBundles(dist);

    expect(entry.route).toBe('entry');
    expect(routes.map((r) => [r.route, r.src])).toEqual([
      ['jobs-page', 'src/features/jobs/components/jobs-page.tsx'],
      ['wall-page', 'src/features/wall/components/wall-page.tsx'],
    ]);
  });

  it('counts the entry once in every route, with its CSS, and the route’s static imports', () => {
    const { entry, routes } = measureRouteBundles(dist);
    const jobs = routes.find((r) => r.route === 'jobs-page')!;
    const wall = routes.find((r) => r.route === 'wall-page')!;

    expect(entry.jsGzip).toBe(total('assets/index.js', 'assets/vendor.js'));
    expect(entry.cssGzip).toBe(total('assets/index.css'));
    expect(entry.ownJsGzip).toBe(0);

    expect(wall.jsGzip).toBe(total('assets/index.js', 'assets/vendor.js', 'assets/wall-page.js'));
    expect(wall.cssGzip).toBe(total('assets/index.css', 'assets/wall-page.css'));
    expect(wall.ownJsGzip).toBe(total('assets/wall-page.js'));

    // The chart is only fetched once the jobs page asks for it: not part of what the page needs to render.
    expect(jobs.jsGzip).toBe(
      total('assets/index.js', 'assets/vendor.js', 'assets/jobs-page.js', 'assets/table.js'),
    );
    expect(jobs.cssGzip).toBe(total('assets/index.css', 'assets/table.css'));
    expect(jobs.ownJsGzip).toBe(total('assets/jobs-page.js', 'assets/table.js'));
  });

  it('lists each file a route loads once, with its gzip size', () => {
    const wall = measureRouteBundles(dist).routes.find((r) => r.route === 'wall-page')!;

    expect(wall.files).toEqual(
      [
        'assets/index.js',
        'assets/index.css',
        'assets/vendor.js',
        'assets/wall-page.js',
        'assets/wall-page.css',
      ].map((file) => ({ file, gzip: gzip(file) })),
    );
  });
});

describe('routeBundles', () => {
  it('refuses a manifest without an entry', () => {
    const { 'index.html': _entry, ...withoutEntry } = manifest;
    expect(() => routeBundles(withoutEntry, () => 1)).toThrow(/no entry/);
  });

  it('finds routes the router imports from a chunk the entry loads statically', () => {
    const split: Manifest = {
      'index.html': { file: 'assets/index.js', isEntry: true, imports: ['_router.js'] },
      '_router.js': { file: 'assets/router.js', dynamicImports: ['src/wall-page.tsx'] },
      'src/wall-page.tsx': { file: 'assets/wall-page.js', src: 'src/wall-page.tsx', imports: ['index.html'] },
    };
    const { routes } = routeBundles(split, () => 10);

    expect(routes).toEqual([expect.objectContaining({ route: 'wall-page', jsGzip: 30, ownJsGzip: 10 })]);
  });
});

describe('wallBudget', () => {
  it('is met at or under the limit and missed above it', () => {
    const bundles = measureRouteBundles(dist);
    const wallJs = bundles.routes.find((r) => r.route === 'wall-page')!.jsGzip;

    expect(wallBudget(bundles)).toEqual({
      route: 'wall-page',
      limitJsGzip: WALL_JS_GZIP_BUDGET,
      jsGzip: wallJs,
      met: true,
    });
    expect(wallBudget(bundles, wallJs).met).toBe(true);
    expect(wallBudget(bundles, wallJs - 1).met).toBe(false);
  });

  it('is not met when the build has no wall route', () => {
    const bundles = measureRouteBundles(dist);
    const withoutWall = { ...bundles, routes: bundles.routes.filter((r) => r.route !== 'wall-page') };

    expect(wallBudget(withoutWall)).toMatchObject({ jsGzip: null, met: false });
  });
});

describe('routeName', () => {
  it('names a route after its module', () => {
    expect(routeName('src/features/jobs/components/job-trace-page.tsx')).toBe('job-trace-page');
    expect(routeName('src/app/settings.ts')).toBe('settings');
  });
});
