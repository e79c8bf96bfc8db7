#!/usr/bin/env node
/**
 * What `npm start` and `npm test` run. Needs only Node and npm: on first run (or when a manifest or the lockfile
 * changed) it installs the pinned pnpm and the dependencies, then builds what changed (turbo caches the rest).
 *
 *   node scripts/paddock.mjs start   build, then run Paddock (embedded database unless DATABASE_URL is set)
 *   node scripts/paddock.mjs test    build, static checks, unit + integration tests, browser tests, one summary
 *   node scripts/paddock.mjs bench   build, then every benchmark (bench/RESULTS.md); --only a,b for some
 *   node scripts/paddock.mjs faults  build, then the long fault scenarios (e2e/faults)
 *   node scripts/paddock.mjs admin   manage accounts (create, reset-password, list); see apps/api/src/cli/admin.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const pnpmVersion = rootPackage.packageManager.replace(/^pnpm@/, '');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const playwrightBin = path.join(root, 'e2e', 'node_modules', '.bin', 'playwright');
const stampFile = path.join(root, 'node_modules', '.paddock-install');

const say = (message) => console.log(`\x1b[1m[paddock]\x1b[0m ${message}`);

/** Hash of everything that decides what gets installed. */
function manifestHash() {
  const hash = createHash('sha256');
  const files = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'];
  for (const dir of ['apps', 'packages', 'e2e']) {
    const full = path.join(root, dir);
    if (!existsSync(full)) continue;
    if (existsSync(path.join(full, 'package.json'))) files.push(path.join(dir, 'package.json'));
    for (const entry of readdirSync(full, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(path.join(full, entry.name, 'package.json'))) {
        files.push(path.join(dir, entry.name, 'package.json'));
      }
    }
  }
  for (const f of files.sort()) {
    const p = path.join(root, f);
    hash.update(f).update(existsSync(p) ? readFileSync(p) : '');
  }
  return `${pnpmVersion}:${hash.digest('hex')}`;
}

function run(command, args, opts = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...opts });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function ensureInstalled() {
  const wanted = manifestHash();
  if (existsSync(bin('pnpm')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) return;
  say(`installing dependencies with pnpm ${pnpmVersion} (first run or changed manifests)...`);
  const frozen = existsSync(path.join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  const status = existsSync(bin('pnpm'))
    ? run(bin('pnpm'), ['install', ...frozen])
    : run('npx', ['--yes', `pnpm@${pnpmVersion}`, 'install', ...frozen], {
        shell: process.platform === 'win32',
      });
  if (status !== 0) {
    console.error('\nInstalling dependencies failed (see above). Is the npm registry reachable?');
    process.exit(status);
  }
  writeFileSync(stampFile, wanted);
}

// turbo looks for the package manager on PATH, so put the installed pnpm there.
const turboEnv = {
  ...process.env,
  PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};

function build(filters = []) {
  say('building (cached parts are skipped)...');
  return run(
    bin('turbo'),
    ['run', 'build', ...filters.map((f) => `--filter=${f}`), '--output-logs=errors-only'],
    {
      env: turboEnv,
    },
  );
}

async function start() {
  ensureInstalled();
  if (build(['@paddock/api...', '@paddock/web']) !== 0) process.exit(1);
  const env = { ...process.env };
  if (!env.PADDOCK_LOG_FORMAT && process.stdout.isTTY) env.PADDOCK_LOG_FORMAT = 'pretty';
  const child = spawn(process.execPath, ['apps/api/dist/server.js'], { cwd: root, stdio: 'inherit', env });
  // Ctrl-C reaches the server directly (same process group); a SIGTERM sent to us is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** `npm run admin -- <command>`: accounts from the command line (apps/api/src/cli/admin.ts). */
function admin(args) {
  ensureInstalled();
  if (build(['@paddock/api']) !== 0) process.exit(1);
  const status = run(process.execPath, ['apps/api/dist/cli/admin.js', ...args]);
  process.exit(status);
}

// ---------------------------------------------------------------------------------------------------------------
// npm test

const resultsDir = path.join(root, 'test-results');

function check(name, command, args, opts) {
  say(`check: ${name}`);
  const status = run(command, args, opts);
  console.log(status === 0 ? `  ✓ ${name}` : `  ✗ ${name} failed`);
  return status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p) => p && existsSync(p));
}

function vitestCounts(report, status) {
  if (!report)
    return { passed: 0, failed: 1, skipped: 0, note: `vitest produced no report (exit ${status})` };
  // A file that fails to load, or whose setup fails (its tests then count as skipped), has no failed test of its
  // own: count it as one failure, so the summary can never read "0 failed" over a broken file.
  const brokenFiles = (report.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

function playwrightCounts(report, status) {
  if (!report?.stats)
    return { passed: 0, failed: 1, skipped: 0, note: `playwright produced no report (exit ${status})` };
  const s = report.stats;
  const failed = s.unexpected + (report.errors?.length && s.expected + s.unexpected === 0 ? 1 : 0);
  return { passed: s.expected + s.flaky, failed, skipped: s.skipped };
}

async function test() {
  ensureInstalled();
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const add = (label, c) => {
    totals.passed += c.passed;
    totals.failed += c.failed;
    totals.skipped += c.skipped;
    say(
      `${label}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped${c.note ? ` (${c.note})` : ''}`,
    );
  };
  const summary = () => {
    console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
    process.exit(totals.failed > 0 ? 1 : 0);
  };

  if (build() !== 0) {
    add('build', { passed: 0, failed: 1, skipped: 0, note: 'nothing else can run' });
    summary();
  }

  // Static checks count as one test each.
  const checks = [
    check('lint', bin('eslint'), ['--max-warnings=0', '.']),
    check('format', bin('prettier'), ['--check', '--log-level=warn', '.']),
    check('typecheck', bin('turbo'), ['run', 'typecheck', '--output-logs=errors-only'], { env: turboEnv }),
  ];
  add('static checks', {
    passed: checks.filter(Boolean).length,
    failed: checks.filter((c) => !c).length,
    skipped: 0,
  });

  say('unit and integration tests (vitest)');
  const vitestJson = path.join(resultsDir, 'vitest.json');
  const vitestStatus = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${vitestJson}`,
  ]);
  add('vitest', vitestCounts(readJson(vitestJson), vitestStatus));

  const chromium = chromiumPath();
  const playwrightJson = path.join(resultsDir, 'playwright.json');
  const playwrightArgs = ['test', '-c', 'e2e/playwright.config.ts'];
  if (chromium) {
    say(`browser tests (playwright with ${chromium})`);
    const status = run(playwrightBin, [...playwrightArgs, '--reporter=list,json'], {
      env: { ...process.env, CHROMIUM_PATH: chromium, PLAYWRIGHT_JSON_OUTPUT_FILE: playwrightJson },
    });
    add('playwright', playwrightCounts(readJson(playwrightJson), status));
  } else {
    const listed = spawnSync(playwrightBin, [...playwrightArgs, '--list', '--reporter=json'], {
      cwd: root,
      encoding: 'utf8',
    });
    const count = readJsonText(listed.stdout)?.stats?.expected ?? 0;
    const suites = readJsonText(listed.stdout)?.suites ?? [];
    add('playwright', {
      passed: 0,
      failed: 0,
      skipped: count || countSpecs(suites),
      note: 'Chromium not found: install it (apt-get install -y chromium) or set CHROMIUM_PATH',
    });
  }
  summary();
}

function readJsonText(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function countSpecs(suites) {
  let n = 0;
  for (const s of suites) n += (s.specs?.length ?? 0) + countSpecs(s.suites ?? []);
  return n;
}

/**
 * Every benchmark, one after the other (they each load both cores), each rewriting its own section of
 * bench/RESULTS.md with its command, date, machine, figures and targets. `--only a,b` runs some of them.
 */
const BENCHMARKS = [
  { name: 'bundle-sizes', script: 'bundle-sizes', args: [] },
  { name: 'login-timing', script: 'login-timing', args: [] },
  { name: 'rest-lists', script: 'rest-lists', args: [] },
  { name: 'config-push', script: 'config-push', args: ['--agents', '1000,5000,10000'] },
  { name: 'config-push-replicas', script: 'config-push', args: ['--agents', '1000,5000', '--replicas', '2'] },
  { name: 'budget-resplit', script: 'budget-resplit', args: ['--agents', '100,1000'] },
  { name: 'wall-grid', script: 'wall-grid', args: [] },
  { name: 'trace-fanout', script: 'trace-fanout', args: [] },
  { name: 'gitlab-sync', script: 'gitlab-sync', args: [] },
  { name: 'explain-hot-queries', script: 'explain-hot-queries', args: [] },
];

function bench(args) {
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : null;
  const names = BENCHMARKS.map((b) => b.name);
  const unknown = (only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; there are: ${names.join(', ')}`);
    process.exit(2);
  }
  ensureInstalled();
  if (build() !== 0) process.exit(1);
  const results = [];
  for (const { name, script, args: benchArgs } of BENCHMARKS.filter((b) => !only || only.includes(b.name))) {
    say(`benchmark ${name}`);
    const started = Date.now();
    const extra = benchArgs.length > 0 ? ['--', ...benchArgs] : [];
    const status = run(bin('pnpm'), ['--filter', '@paddock/bench', 'run', script, ...extra], {
      env: turboEnv,
    });
    results.push({ name, status, seconds: Math.round((Date.now() - started) / 1000) });
  }
  console.log('');
  for (const r of results)
    say(`${r.name}: ${r.status === 0 ? 'done' : `failed (exit ${r.status})`} in ${r.seconds} s`);
  say('figures and targets: bench/RESULTS.md');
  process.exit(results.some((r) => r.status !== 0) ? 1 : 0);
}

/** The long fault scenarios (e2e/faults), against the built processes. */
function faults(args) {
  ensureInstalled();
  if (build() !== 0) process.exit(1);
  say('fault scenarios (e2e/faults)');
  process.exit(run(bin('vitest'), ['run', '--config', 'e2e/faults/vitest.config.ts', ...args]));
}

const command = process.argv[2];
if (command === 'start') await start();
else if (command === 'test') await test();
else if (command === 'faults') faults(process.argv.slice(3));
else if (command === 'bench') bench(process.argv.slice(3));
else if (command === 'install') ensureInstalled();
else if (command === 'admin') admin(process.argv.slice(3));
else {
  console.error('usage: node scripts/paddock.mjs start|test|bench|faults|install|admin');
  process.exit(2);
}
