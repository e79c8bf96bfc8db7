/**
 * Static checks of the deployment files (docker-compose.yml, the Dockerfile it builds, .dockerignore and
 * .env.example) against the repository. Docker is not needed: the files are parsed and compared with what the code
 * expects, so a renamed environment variable, a moved file or a new workspace package fails here instead of in a
 * user's `docker compose up`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_NAMES, parseEnv } from '../src/env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  /** the `AS` name, lower-cased, or the stage's index */
  name: string;
  base: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions, joining continuation lines and dropping comments. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    // Comment lines are dropped even inside a continued instruction, as Docker does.
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending.trim()) logical.push(pending.trim());

  const stages: Stage[] = [];
  for (const entry of logical) {
    const [keyword = '', ...rest] = entry.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        name: asIndex >= 0 ? (words[asIndex + 1] ?? '').toLowerCase() : String(stages.length),
        base: words[0] ?? '',
        instructions: [],
      });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}

function parseCopy(args: string): Copy {
  let rest = args.trim();
  let from: string | null = null;
  for (
    let flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
    flag;
    flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest)
  ) {
    if (flag[1] === 'from') from = flag[2] ?? '';
    rest = rest.slice(flag[0].length);
  }
  const parts = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  return { from, sources: parts.slice(0, -1), dest: parts.at(-1) ?? '' };
}

/** `ENV A=1 B="two words"` or the legacy `ENV A 1`. */
function parseEnvInstruction(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [name = '', ...value] = args.split(/\s+/);
    out[name] = value.join(' ');
    return out;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
    const value = m[2] ?? '';
    out[m[1]!] = /^["']/.test(value) ? value.slice(1, -1) : value;
  }
  return out;
}

/** The stage and its ancestors (stages it is built FROM), oldest first. */
function stageChain(stages: Stage[], stage: Stage): Stage[] {
  const parent = stages.find((s) => s.name === stage.base.toLowerCase() && s !== stage);
  return parent ? [...stageChain(stages, parent), stage] : [stage];
}

/** Where a COPY destination lands, relative to the image's /app (the WORKDIR of every stage). */
function appRelative(dest: string): string {
  return path.posix.normalize(dest.replace(/^\/app(\/|$)/, '')).replace(/\/+$/, '') || '.';
}

// ---------------------------------------------------------------------------------------------------------------
// .dockerignore

function globToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**` matches any number of directories, including none.
      const slash = pattern[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * Docker's rules: patterns are relative to the context root, the last matching pattern wins, `!` re-includes,
 * and a path is excluded when it or one of its parent directories matches.
 */
function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, '');
      return { negate, regex: globToRegex(pattern) };
    });
  return (file) => {
    const parts = file.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negate;
    return excluded;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target?: number | string }>;
  volumes?: Array<string | { target?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
}

const composeText = read('docker-compose.yml');
const compose = parse(composeText) as { services?: Record<string, Service> };
const services = compose.services ?? {};
const api = services.api ?? {};
const postgres = services.postgres ?? {};

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `$VAR` and `$$`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const given = vars[name];
      const isSet = given !== undefined && (op?.startsWith(':') ? given !== '' : true);
      if (isSet) return given;
      if (op === ':-' || op === '-') return arg ?? '';
      if (op === ':?' || op === '?') throw new Error(`compose needs ${name}: ${arg}`);
      return '';
    },
  );
}

function serviceEnvironment(service: Service): Record<string, string | undefined> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, undefined] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? undefined : String(v)]));
}

function buildOf(service: Service): { context: string; dockerfile: string } {
  const build = typeof service.build === 'string' ? { context: service.build } : (service.build ?? {});
  const context = build.context ?? '.';
  return { context, dockerfile: path.posix.join(context, build.dockerfile ?? 'Dockerfile') };
}

function containerPorts(service: Service, vars: Record<string, string>): string[] {
  return (service.ports ?? []).map((p) =>
    typeof p === 'object'
      ? String(p.target)
      : (interpolate(String(p), vars).split(':').at(-1) ?? '').replace(/\/(tcp|udp)$/, ''),
  );
}

function volumeTargets(service: Service): string[] {
  return (service.volumes ?? []).map((v) =>
    typeof v === 'object' ? (v.target ?? '') : (v.split(':')[1] ?? ''),
  );
}

function healthTest(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

/** Variables the compose file reads from the shell or .env, in order of appearance. */
const composeVariables = [
  ...new Set([...composeText.matchAll(/(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!)),
];

/** NAME=value lines of .env.example (commented-out ones included, with their value). */
function envExample(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of read('.env.example').matchAll(/^#?\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm))
    out[m[1]!] = m[2]!.trim();
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The workspace

/** Package directories the pnpm workspace holds (pnpm-workspace.yaml globs of the form `dir` or `dir/*`). */
function workspacePackages(): Map<string, string> {
  const globs = (parse(read('pnpm-workspace.yaml')) as { packages?: string[] }).packages ?? [];
  const dirs = globs
    .filter((g) => !g.startsWith('!'))
    .flatMap((glob) => {
      if (!glob.endsWith('/*')) return [glob];
      const parent = glob.slice(0, -2);
      if (!existsSync(path.join(root, parent))) return [];
      return readdirSync(path.join(root, parent), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => `${parent}/${e.name}`);
    })
    .filter((dir) => existsSync(path.join(root, dir, 'package.json')));
  const byName = new Map<string, string>();
  for (const dir of dirs) byName.set((JSON.parse(read(`${dir}/package.json`)) as { name: string }).name, dir);
  return byName;
}

/** Directories of the workspace packages the API needs at run time (its dependencies, transitively). */
function apiWorkspaceDependencies(packages: Map<string, string>): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    const manifest = JSON.parse(read(`${dir}/package.json`)) as { dependencies?: Record<string, string> };
    for (const [name, spec] of Object.entries(manifest.dependencies ?? {})) {
      const depDir = packages.get(name);
      if (spec.startsWith('workspace:') && depDir && !found.has(depDir)) {
        found.add(depDir);
        visit(depDir);
      }
    }
  };
  visit('apps/api');
  return [...found];
}

// ---------------------------------------------------------------------------------------------------------------

const { context, dockerfile } = buildOf(api);
const stages = existsSync(path.join(root, dockerfile)) ? parseDockerfile(read(dockerfile)) : [];
const runtime = stages.at(-1);
const runtimeInstructions = (keyword: string) =>
  (runtime?.instructions ?? []).filter((i) => i.keyword === keyword).map((i) => i.args);
const runtimeEnv = Object.assign({}, ...runtimeInstructions('ENV').map(parseEnvInstruction)) as Record<
  string,
  string
>;

/** Values a user would put in .env: a random password and key, everything else left to its default. */
const secrets = {
  POSTGRES_PASSWORD: randomBytes(18).toString('hex'),
  PADDOCK_SECRET_KEY: randomBytes(32).toString('base64'),
};

describe('deployment helpers', () => {
  it('match .dockerignore patterns the way Docker does', () => {
    const ignored = dockerignore('**/node_modules\ndist\n*.log\n!keep.log\n');
    expect(ignored('node_modules')).toBe(true);
    expect(ignored('apps/api/node_modules/pg/index.js')).toBe(true);
    expect(ignored('dist/server.js')).toBe(true);
    expect(ignored('apps/api/dist/server.js'), 'a pattern without **/ applies at the root only').toBe(false);
    expect(ignored('debug.log')).toBe(true);
    expect(ignored('keep.log')).toBe(false);
  });

  it('interpolate compose variables and refuse a missing required one', () => {
    expect(interpolate('${A:-x}-${B-y}-$$-${C}', { A: '', B: '' })).toBe('x--$-');
    expect(() => interpolate('${A:?set A}', { A: '' })).toThrow('compose needs A: set A');
  });
});

describe('docker-compose.yml', () => {
  it('has a postgres and an api service, both with health checks', () => {
    expect(Object.keys(services), 'services missing from docker-compose.yml').toEqual(
      expect.arrayContaining(['postgres', 'api']),
    );
    expect(postgres.image ?? '', 'postgres must run PostgreSQL 16 (postgres:16*)').toMatch(
      /^postgres:16(\b|-|$)/,
    );
    for (const [name, service] of Object.entries({ postgres, api })) {
      expect(service.healthcheck?.disable, `${name}: healthcheck is disabled`).not.toBe(true);
      expect(healthTest(service), `${name}: no healthcheck test`).not.toBe('');
    }
    expect(healthTest(postgres), 'postgres healthcheck should ask pg_isready').toContain('pg_isready');
    expect(healthTest(api), 'api healthcheck should call /healthz').toContain('/healthz');
  });

  it('starts the api only once postgres is healthy', () => {
    const dependsOn = api.depends_on;
    const condition = Array.isArray(dependsOn) ? undefined : dependsOn?.postgres?.condition;
    expect(condition, 'api.depends_on.postgres.condition must be service_healthy').toBe('service_healthy');
  });

  it('does not publish postgres on the host', () => {
    expect(postgres.ports ?? [], 'postgres.ports publishes the database; only the api needs it').toEqual([]);
  });

  it('builds the api from a context and Dockerfile that exist', () => {
    expect(
      statSync(path.join(root, context), { throwIfNoEntry: false })?.isDirectory(),
      `build.context ${context} is not a directory`,
    ).toBe(true);
    expect(existsSync(path.join(root, dockerfile)), `dockerfile ${dockerfile} does not exist`).toBe(true);
  });

  it('gives the api only variables the API reads', () => {
    const unknown = Object.keys(serviceEnvironment(api)).filter((name) => !ENV_NAMES.includes(name));
    expect(
      unknown,
      'api.environment sets variables that src/env.ts does not know (renamed or misspelt?)',
    ).toEqual([]);
  });

  it.each([
    ['the defaults', {}],
    ['the values of .env.example', envExample()],
  ])('gives the api an environment that parses, with %s', (_label, example) => {
    const vars = { ...Object.fromEntries(Object.entries(example).filter(([, v]) => v !== '')), ...secrets };
    const composeEnv = Object.fromEntries(
      Object.entries(serviceEnvironment(api)).map(([k, v]) => [
        k,
        v === undefined ? undefined : interpolate(v, vars),
      ]),
    );
    // What the container sees: the image's ENV, overridden by the compose file.
    const env = parseEnv({ ...runtimeEnv, ...composeEnv });

    expect(['0.0.0.0', '::'], `HOST ${env.HOST} is not reachable through the published port`).toContain(
      env.HOST,
    );
    expect(
      containerPorts(api, vars),
      `api.ports does not map the port the API listens on (${env.PORT})`,
    ).toContain(String(env.PORT));
    expect(env.DATABASE_URL, 'DATABASE_URL is not set for the api').toBeDefined();
    const url = new URL(env.DATABASE_URL!);
    const pgEnv = serviceEnvironment(postgres);
    expect(url.hostname, 'DATABASE_URL does not point at the postgres service').toBe('postgres');
    expect(decodeURIComponent(url.username), 'DATABASE_URL user differs from POSTGRES_USER').toBe(
      pgEnv.POSTGRES_USER,
    );
    expect(url.pathname.slice(1), 'DATABASE_URL database differs from POSTGRES_DB').toBe(pgEnv.POSTGRES_DB);
    expect(decodeURIComponent(url.password), 'DATABASE_URL password differs from POSTGRES_PASSWORD').toBe(
      interpolate(pgEnv.POSTGRES_PASSWORD ?? '', vars),
    );
    expect(volumeTargets(api), `PADDOCK_DATA_DIR ${env.PADDOCK_DATA_DIR} is not on a volume`).toContain(
      env.PADDOCK_DATA_DIR,
    );
  });

  it('refuses to start without the secrets instead of running with empty ones', () => {
    const env = serviceEnvironment(api);
    expect(
      () => interpolate(env.PADDOCK_SECRET_KEY ?? '', {}),
      'PADDOCK_SECRET_KEY has no :? guard',
    ).toThrow();
    expect(() => interpolate(env.DATABASE_URL ?? '', {}), 'POSTGRES_PASSWORD has no :? guard').toThrow();
  });

  it('has every variable it reads listed in .env.example', () => {
    const listed = Object.keys(envExample());
    const missing = composeVariables.filter((name) => !listed.includes(name));
    expect(composeVariables.length, 'no ${VAR} found in docker-compose.yml').toBeGreaterThan(0);
    expect(missing, '.env.example does not list these variables docker-compose.yml reads').toEqual([]);
  });
});

describe('Dockerfile', () => {
  const packages = workspacePackages();

  it('has a build stage and a separate runtime stage', () => {
    expect(
      stages.map((s) => s.name),
      'no stage named build',
    ).toContain('build');
    expect(runtime?.name, 'the last stage (the image) is the build stage itself').not.toBe('build');
  });

  it('copies from the build context only files that exist and are not in .dockerignore', () => {
    const ignored = dockerignore(
      existsSync(path.join(root, context, '.dockerignore')) ? read('.dockerignore') : '',
    );
    const copies = stages.flatMap((s) =>
      s.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').map((i) => parseCopy(i.args)),
    );
    const sources = copies.filter((c) => c.from === null).flatMap((c) => c.sources);
    expect(sources.length, 'no COPY from the build context found').toBeGreaterThan(0);
    for (const source of sources) {
      const rel = path.posix.normalize(source);
      // For a glob, its directory must exist.
      const checked = /[*?[]/.test(rel) ? path.posix.dirname(rel) : rel;
      expect(existsSync(path.join(root, context, checked)), `COPY source ${source} does not exist`).toBe(
        true,
      );
      if (rel !== '.') expect(ignored(rel), `COPY source ${source} is excluded by .dockerignore`).toBe(false);
    }
  });

  it('sends what the build needs and leaves node_modules and secrets out of the context', () => {
    const ignored = dockerignore(read('.dockerignore'));
    const migrations = readdirSync(path.join(root, 'prisma/migrations'))
      .filter((name) => existsSync(path.join(root, 'prisma/migrations', name, 'migration.sql')))
      .map((name) => `prisma/migrations/${name}/migration.sql`);
    const needed = [
      'prisma/schema.prisma',
      ...migrations,
      'scripts/prisma-generate.mjs',
      'turbo.json',
      'tsconfig.base.json',
      ...[...packages.values()].flatMap((dir) => [`${dir}/package.json`, `${dir}/src`]),
    ].filter((file) => existsSync(path.join(root, file)));
    expect(
      needed.filter((file) => ignored(file)),
      '.dockerignore excludes files the image is built from',
    ).toEqual([]);
    for (const file of ['node_modules', 'apps/api/node_modules', '.env', '.git', 'apps/api/src/generated']) {
      expect(ignored(file), `.dockerignore should exclude ${file}`).toBe(true);
    }
  });

  it('copies every workspace manifest and the lockfile before installing', () => {
    const installs = stages.flatMap((stage) =>
      stage.instructions
        .filter((i) => i.keyword === 'RUN' && /\bpnpm install\b/.test(i.args))
        .map((install) => ({ stage, install })),
    );
    expect(installs.length, 'no RUN pnpm install in the Dockerfile').toBeGreaterThan(0);
    for (const { stage, install } of installs) {
      const before = stageChain(stages, stage).flatMap((s) =>
        s === stage ? s.instructions.slice(0, s.instructions.indexOf(install)) : s.instructions,
      );
      const copied = before
        .filter((i) => i.keyword === 'COPY')
        .map((i) => parseCopy(i.args))
        .filter((c) => c.from === null)
        .flatMap((c) => c.sources.map((s) => path.posix.normalize(s)));
      const covered = (file: string) =>
        copied.some((s) => s === '.' || s === file || file.startsWith(`${s}/`));
      const wanted = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'].concat(
        [...packages.values()].map((dir) => `${dir}/package.json`),
      );
      expect(
        wanted.filter((file) => !covered(file)),
        `stage ${stage.name}: these manifests are not copied before pnpm install (add a COPY line per workspace package)`,
      ).toEqual([]);
      expect(install.args, `stage ${stage.name}: pnpm install must use the lockfile as it is`).toContain(
        '--frozen-lockfile',
      );
    }
  });

  it('puts the built API, the web app, the packages the API imports and the migrations in the image', () => {
    const copied = runtimeInstructions('COPY')
      .map(parseCopy)
      .filter((c) => c.from !== null)
      .map((c) => appRelative(c.dest));
    const wanted = [
      'apps/api/dist',
      'apps/web/dist',
      'prisma',
      ...apiWorkspaceDependencies(packages).map((d) => `${d}/dist`),
    ];
    expect(
      wanted.filter((dir) => !copied.includes(dir)),
      'the runtime stage does not copy these from the build',
    ).toEqual([]);
  });

  it('runs the built server as a non-root user with node as PID 1', () => {
    const user = runtimeInstructions('USER').at(-1);
    expect(user, 'the runtime stage sets no USER, so it runs as root').toBeDefined();
    expect(['root', '0'], `USER ${user} is root`).not.toContain(user!.split(':')[0]);
    const cmd = runtimeInstructions('CMD').at(-1) ?? '';
    expect(cmd.startsWith('['), 'CMD must use the exec form so node receives SIGTERM').toBe(true);
    const argv = JSON.parse(cmd) as string[];
    expect(argv[0], 'CMD does not run node').toBe('node');
    const script = argv[1] ?? '';
    expect(script, 'CMD does not run the built server').toMatch(/^apps\/api\/dist\/.+\.js$/);
    const source = script.replace(/^apps\/api\/dist\//, 'apps/api/src/').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(root, source)), `CMD runs ${script}, but ${source} does not exist`).toBe(
      true,
    );
  });

  it('checks its health, exposes the port compose maps and keeps data on a volume', () => {
    const health = runtimeInstructions('HEALTHCHECK').at(-1) ?? '';
    expect(health, 'the runtime stage has no HEALTHCHECK').not.toBe('');
    expect(health.toUpperCase(), 'HEALTHCHECK NONE disables the health check').not.toBe('NONE');
    expect(health, 'HEALTHCHECK should call /healthz').toContain('/healthz');

    const exposed = runtimeInstructions('EXPOSE').flatMap((a) =>
      a.split(/\s+/).map((p) => p.replace(/\/tcp$/, '')),
    );
    for (const port of containerPorts(api, secrets)) {
      expect(exposed, `compose maps container port ${port}, which the Dockerfile does not EXPOSE`).toContain(
        port,
      );
    }
    expect(exposed, `EXPOSE does not include the image's PORT ${runtimeEnv.PORT}`).toContain(runtimeEnv.PORT);

    const volumes = runtimeInstructions('VOLUME').flatMap((a) =>
      a.startsWith('[') ? (JSON.parse(a) as string[]) : a.split(/\s+/),
    );
    expect(volumes, `PADDOCK_DATA_DIR ${runtimeEnv.PADDOCK_DATA_DIR} is not a VOLUME`).toContain(
      runtimeEnv.PADDOCK_DATA_DIR,
    );
  });

  it('sets only variables the API reads, and listens on all interfaces', () => {
    const unknown = Object.keys(runtimeEnv).filter((name) => !ENV_NAMES.includes(name));
    expect(unknown, 'the runtime ENV sets variables src/env.ts does not know').toEqual([]);
    expect(runtimeEnv.HOST, 'HOST must be 0.0.0.0 in the image, or the published port reaches nothing').toBe(
      '0.0.0.0',
    );
    expect(runtimeEnv.NODE_ENV, 'the image must run with NODE_ENV=production').toBe('production');
  });

  it('labels the image with the version of the API it contains', () => {
    const version = (JSON.parse(read('apps/api/package.json')) as { version: string }).version;
    const declared = (runtime?.instructions ?? [])
      .filter((i) => i.keyword === 'ARG')
      .map((i) => /^PADDOCK_VERSION=(\S+)/.exec(i.args)?.[1])
      .find(Boolean);
    const labels = runtimeInstructions('LABEL').join(' ');
    expect(labels, 'no org.opencontainers.image.version label').toContain(
      'org.opencontainers.image.version=',
    );
    expect(declared, 'ARG PADDOCK_VERSION (the version label) differs from apps/api/package.json').toBe(
      version,
    );
  });
});
