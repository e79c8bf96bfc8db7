/**
 * What each route of the built web app downloads, from Vite's manifest: the entry (router, layout, vendor) plus the
 * route's own lazily loaded chunk and everything that chunk imports, with gzip sizes. The web build reports it
 * (bundle-report-plugin.ts) and bench/bundle-sizes.ts writes it into bench/RESULTS.md; both read it from here so the
 * figures and the wall screen's budget mean the same thing in both places.
 *
 * Node-only and free of Vite: the bench imports this file directly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Issue target: the wall screen's JavaScript, entry included, under 200 KB gzip. */
export const WALL_JS_GZIP_BUDGET = 200 * 1024;

/** The route the budget applies to, named like every route: after the module its chunk is built from. */
export const WALL_ROUTE = 'wall-page';

/** Where `build.manifest: true` puts the manifest, relative to the output directory. */
export const MANIFEST_FILE = '.vite/manifest.json';

/** The name given to the entry's own row. */
export const ENTRY_ROUTE = 'entry';

/** One chunk of `.vite/manifest.json`, keyed by its source (or `_name.js` for shared chunks). */
export interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export type Manifest = Record<string, ManifestChunk>;

/** What one route needs before it can render. Sizes are gzip bytes. */
export interface RouteBundle {
  /** `wall-page` for `src/features/wall/components/wall-page.tsx`; `entry` for the entry itself. */
  route: string;
  /** The manifest key the route's chunk is built from. */
  src: string;
  /** All JavaScript the route loads: the entry's and its own. */
  jsGzip: number;
  /** All CSS the route loads. */
  cssGzip: number;
  /** The JavaScript it loads beyond the entry's: its own chunk and the shared chunks it imports. */
  ownJsGzip: number;
  /** Every file it loads, in load order (entry first), with its gzip size. */
  files: BundleFile[];
}

export interface BundleFile {
  /** Relative to the output directory, e.g. `assets/wall-page-FKHJoqc5.js`. */
  file: string;
  gzip: number;
}

export interface RouteBundles {
  entry: RouteBundle;
  /** Sorted by route name. */
  routes: RouteBundle[];
}

export interface WallBudget {
  route: string;
  limitJsGzip: number;
  /** Null when the build has no wall route: a budget that silently stops applying is a bug, so callers say so. */
  jsGzip: number | null;
  met: boolean;
}

/**
 * Per-route sizes from a manifest. Routes are the chunks the entry loads lazily: the router is part of the entry and
 * imports every page with `import()`, so these are exactly the code-split routes.
 */
export function routeBundles(manifest: Manifest, gzipSize: (file: string) => number): RouteBundles {
  const entryKey = Object.keys(manifest).find((key) => manifest[key]!.isEntry);
  if (!entryKey) throw new Error('the build manifest names no entry chunk');
  const entryKeys = staticKeys(manifest, entryKey);
  const entryFiles = filesOf(manifest, entryKeys);

  // The router may sit in the entry chunk or in one it imports; either way its `import()`s are listed there.
  const routeKeys = new Set<string>();
  for (const key of entryKeys) {
    for (const lazy of manifest[key]!.dynamicImports ?? []) routeKeys.add(lazy);
  }

  const sum = (files: Iterable<string>, ext: string) =>
    [...files].filter((f) => f.endsWith(ext)).reduce((n, f) => n + gzipSize(f), 0);
  const bundle = (route: string, src: string, files: Set<string>): RouteBundle => ({
    route,
    src,
    jsGzip: sum(files, '.js'),
    cssGzip: sum(files, '.css'),
    ownJsGzip: sum(
      [...files].filter((f) => !entryFiles.has(f)),
      '.js',
    ),
    files: [...files].map((file) => ({ file, gzip: gzipSize(file) })),
  });

  const routes = [...routeKeys]
    .filter((key) => manifest[key])
    .map((key) => {
      const files = new Set([...entryFiles, ...filesOf(manifest, staticKeys(manifest, key))]);
      return bundle(routeName(manifest[key]!.src ?? key), key, files);
    })
    .sort((a, b) => a.route.localeCompare(b.route));
  return { entry: bundle(ENTRY_ROUTE, entryKey, entryFiles), routes };
}

/** Reads `<distDir>/.vite/manifest.json` and gzips each file once (level 9, as a server would pre-compress). */
export function measureRouteBundles(distDir: string): RouteBundles {
  const manifest = JSON.parse(readFileSync(path.join(distDir, MANIFEST_FILE), 'utf8')) as Manifest;
  const sizes = new Map<string, number>();
  return routeBundles(manifest, (file) => {
    let size = sizes.get(file);
    if (size === undefined) {
      size = gzipSync(readFileSync(path.join(distDir, file)), { level: 9 }).length;
      sizes.set(file, size);
    }
    return size;
  });
}

export function wallBudget(bundles: RouteBundles, limitJsGzip = WALL_JS_GZIP_BUDGET): WallBudget {
  const wall = bundles.routes.find((r) => r.route === WALL_ROUTE);
  const jsGzip = wall?.jsGzip ?? null;
  return { route: WALL_ROUTE, limitJsGzip, jsGzip, met: jsGzip !== null && jsGzip <= limitJsGzip };
}

/** `src/features/jobs/components/job-trace-page.tsx` → `job-trace-page` */
export function routeName(src: string): string {
  return path.posix.basename(src).replace(/\.[cm]?[jt]sx?$/, '');
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Manifest keys of a chunk and everything it imports statically, transitively: what must load before it runs. */
function staticKeys(manifest: Manifest, key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key) || !manifest[key]) return seen;
  seen.add(key);
  for (const imported of manifest[key].imports ?? []) staticKeys(manifest, imported, seen);
  return seen;
}

/** The files behind those keys: each chunk's JavaScript and its CSS. */
function filesOf(manifest: Manifest, keys: Iterable<string>): Set<string> {
  const files = new Set<string>();
  for (const key of keys) {
    const chunk = manifest[key]!;
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
  }
  return files;
}
