/**
 * Static checks of the deployment files (docker-compose.yml, the Dockerfile it builds, .dockerignore, .env.example,
 * the load balancer's deploy/lb/nginx.conf and the demo's deploy/demo) against the repository. Docker is not
 * needed: the files are parsed and compared with what the code expects, so a renamed environment variable, a moved
 * file, a replica missing from the load balancer or a new workspace package fails here instead of in a user's
 * `docker compose up`. load-balancer.test.ts runs the same shape (two replicas behind a balancer) with real
 * processes.
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
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target?: number | string }>;
  volumes?: Array<string | { source?: string; target?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  profiles?: string[];
  init?: boolean;
}

const composeText = read('docker-compose.yml');
// Compose reads YAML merge keys (`<<: *anchor`), which YAML 1.2 parsers leave alone unless asked.
const compose = parse(composeText, { merge: true }) as {
  services?: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services ?? {};
const postgres = services.postgres ?? {};
/** The API replicas: services named api-1, api-2, ... */
const replicas = Object.entries(services).filter(([name]) => /^api-\d+$/.test(name));
const api = replicas[0]?.[1] ?? {};
const lb = services.lb ?? {};
const demoServices = Object.entries(services).filter(([, s]) => s.profiles?.includes('demo'));
const demoHosts = demoServices.filter(([name]) => /^demo-host-\d+$/.test(name));

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

/** `source:target[:mode]` or the long form: the named volume or host path, and where it is mounted. */
function volumeMounts(service: Service): Array<{ source: string; target: string }> {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'object') return { source: v.source ?? '', target: v.target ?? '' };
    const [source = '', target = ''] = v.split(':');
    return { source, target };
  });
}

function commandOf(service: Service): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

function dependsOn(service: Service, name: string): string | undefined {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return deps.includes(name) ? 'service_started' : undefined;
  return deps[name] ? (deps[name].condition ?? 'service_started') : undefined;
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
// deploy/lb/nginx.conf

interface NginxDirective {
  name: string;
  args: string[];
  /** the directives inside, for a block (`upstream x { ... }`) */
  block?: NginxDirective[];
}

/** nginx's configuration syntax: words (bare or quoted) ending in `;`, blocks in braces, `#` comments. */
function parseNginx(text: string): NginxDirective[] {
  const root: NginxDirective[] = [];
  const stack: NginxDirective[][] = [root];
  let words: string[] = [];
  for (const m of text.matchAll(/#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)/g)) {
    if (m[0].startsWith('#')) continue;
    const word = m[1] ?? m[2] ?? m[4];
    if (word !== undefined) {
      words.push(word);
      continue;
    }
    const level = stack.at(-1)!;
    if (m[3] === ';') {
      if (words.length > 0) level.push({ name: words[0]!, args: words.slice(1) });
    } else if (m[3] === '{') {
      const directive: NginxDirective = { name: words[0] ?? '', args: words.slice(1), block: [] };
      level.push(directive);
      stack.push(directive.block!);
    } else {
      if (words.length > 0) throw new Error(`nginx: "${words.join(' ')}" is not ended by ;`);
      stack.pop();
      if (stack.length === 0) throw new Error('nginx: a } closes no block');
    }
    words = [];
  }
  if (stack.length !== 1 || words.length > 0)
    throw new Error('nginx: the file ends inside a directive or block');
  return root;
}

const directives = (level: NginxDirective[] | undefined, name: string) =>
  (level ?? []).filter((d) => d.name === name);

/**
 * What applies in a location: nginx takes a directive from the innermost level that has it at all, so one
 * proxy_set_header in a location replaces every proxy_set_header of its server.
 */
function effective(levels: Array<NginxDirective[] | undefined>, name: string): NginxDirective[] {
  for (const level of levels) {
    const found = directives(level, name);
    if (found.length > 0) return found;
  }
  return [];
}

/** The location nginx picks for `uri`: exact, then the longest prefix unless a regex matches (nginx's order). */
function locationFor(server: NginxDirective[], uri: string): NginxDirective | undefined {
  const locations = directives(server, 'location');
  const exact = locations.find((l) => l.args[0] === '=' && l.args[1] === uri);
  if (exact) return exact;
  const longest = locations
    .filter((l) => (l.args.length === 1 || l.args[0] === '^~') && uri.startsWith(l.args.at(-1)!))
    .sort((a, b) => b.args.at(-1)!.length - a.args.at(-1)!.length)[0];
  if (longest?.args[0] === '^~') return longest;
  const regex = locations.find(
    (l) =>
      (l.args[0] === '~' || l.args[0] === '~*') &&
      new RegExp(l.args[1]!, l.args[0] === '~*' ? 'i' : '').test(uri),
  );
  return regex ?? longest;
}

/** nginx times: `90`, `90s`, `10m`, `1h`, `1h30m`, in seconds. */
function nginxSeconds(value: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
  if (/^\d+$/.test(value)) return Number(value);
  let total = 0;
  for (const m of value.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
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

/** What a replica's container sees: the image's ENV overridden by the compose file, interpolated with `vars`. */
function replicaEnv(service: Service, vars: Record<string, string>) {
  const composeEnv = Object.fromEntries(
    Object.entries(serviceEnvironment(service)).map(([k, v]) => [
      k,
      v === undefined ? undefined : interpolate(v, vars),
    ]),
  );
  return parseEnv({ ...runtimeEnv, ...composeEnv });
}

const nginxFile = lb.volumes
  ? volumeMounts(lb)
      .find((m) => m.target === '/etc/nginx/nginx.conf')
      ?.source.replace(/^\.\//, '')
  : undefined;
const nginx = nginxFile && existsSync(path.join(root, nginxFile)) ? parseNginx(read(nginxFile)) : [];
const http = directives(nginx, 'http')[0]?.block;
const server = directives(http, 'server')[0]?.block;
const upstreams = new Map(directives(http, 'upstream').map((u) => [u.args[0]!, u.block ?? []]));
/** The location nginx uses for `uri`, with the levels a directive is inherited from, innermost first. */
const routeOf = (uri: string) => {
  const location = server ? locationFor(server, uri) : undefined;
  return { location, levels: [location?.block, server, http] };
};
const headerSet = (levels: Array<NginxDirective[] | undefined>) =>
  new Map(effective(levels, 'proxy_set_header').map((d) => [d.args[0]!.toLowerCase(), d.args[1] ?? '']));

describe('docker-compose.yml', () => {
  it('has postgres, two or more API replicas and a load balancer, each with a health check', () => {
    expect(Object.keys(services), 'services missing from docker-compose.yml').toEqual(
      expect.arrayContaining(['postgres', 'lb']),
    );
    expect(replicas.length, 'fewer than two API replicas (api-1, api-2)').toBeGreaterThanOrEqual(2);
    expect(postgres.image ?? '', 'postgres must run PostgreSQL 16 (postgres:16*)').toMatch(
      /^postgres:16(\b|-|$)/,
    );
    for (const [name, service] of [['postgres', postgres] as const, ['lb', lb] as const, ...replicas]) {
      expect(service.healthcheck?.disable, `${name}: healthcheck is disabled`).not.toBe(true);
      expect(healthTest(service), `${name}: no healthcheck test`).not.toBe('');
    }
    expect(healthTest(postgres), 'postgres healthcheck should ask pg_isready').toContain('pg_isready');
    for (const [name, service] of replicas) {
      // Ready, not only alive: a replica that lost its database is not one to send requests to.
      expect(healthTest(service), `${name}: the healthcheck should call /readyz`).toContain('/readyz');
    }
  });

  it('starts each replica only once postgres is healthy', () => {
    for (const [name, service] of replicas) {
      expect(dependsOn(service, 'postgres'), `${name}.depends_on.postgres.condition`).toBe('service_healthy');
    }
  });

  it('publishes only the load balancer: not the database, not a replica', () => {
    const published = Object.entries(services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(published, 'only lb may publish ports').toEqual(['lb']);
  });

  it('builds every service that runs the Paddock image, from a context and Dockerfile that exist', () => {
    const image = api.image;
    expect(image, 'the replicas name no image').toBeDefined();
    for (const [name, service] of Object.entries(services).filter(([, s]) => s.image === image)) {
      // Without a build section Compose would look for the image in a registry before building it.
      expect(service.build, `${name} runs ${image} but does not say how to build it`).toBeDefined();
      expect(buildOf(service), `${name} builds ${image} differently from the replicas`).toEqual(buildOf(api));
    }
    expect(
      statSync(path.join(root, context), { throwIfNoEntry: false })?.isDirectory(),
      `build.context ${context} is not a directory`,
    ).toBe(true);
    expect(existsSync(path.join(root, dockerfile)), `dockerfile ${dockerfile} does not exist`).toBe(true);
  });

  it('gives the replicas only variables the API reads', () => {
    for (const [name, service] of replicas) {
      const unknown = Object.keys(serviceEnvironment(service)).filter((n) => !ENV_NAMES.includes(n));
      expect(
        unknown,
        `${name}.environment sets variables src/env.ts does not know (renamed or misspelt?)`,
      ).toEqual([]);
    }
  });

  it.each([
    ['the defaults', {}],
    ['the values of .env.example', envExample()],
  ])('gives every replica an environment that parses, with %s', (_label, example) => {
    const vars = { ...Object.fromEntries(Object.entries(example).filter(([, v]) => v !== '')), ...secrets };
    const pgEnv = serviceEnvironment(postgres);
    const dataVolumes: string[] = [];
    const seen = replicas.map(([name, service]) => {
      const env = replicaEnv(service, vars);
      expect(['0.0.0.0', '::'], `${name}: HOST ${env.HOST} is not reachable from the balancer`).toContain(
        env.HOST,
      );
      expect(env.DATABASE_URL, `${name}: DATABASE_URL is not set`).toBeDefined();
      const url = new URL(env.DATABASE_URL!);
      expect(url.hostname, `${name}: DATABASE_URL does not point at the postgres service`).toBe('postgres');
      expect(decodeURIComponent(url.username), 'DATABASE_URL user differs from POSTGRES_USER').toBe(
        pgEnv.POSTGRES_USER,
      );
      expect(url.pathname.slice(1), 'DATABASE_URL database differs from POSTGRES_DB').toBe(pgEnv.POSTGRES_DB);
      expect(decodeURIComponent(url.password), 'DATABASE_URL password differs from POSTGRES_PASSWORD').toBe(
        interpolate(pgEnv.POSTGRES_PASSWORD ?? '', vars),
      );
      const data = volumeMounts(service).find((m) => m.target === env.PADDOCK_DATA_DIR);
      expect(data, `${name}: PADDOCK_DATA_DIR ${env.PADDOCK_DATA_DIR} is not on a volume`).toBeDefined();
      dataVolumes.push(data!.source);
      // Behind the balancer the client is one hop away; `false` would log and rate-limit the balancer itself.
      expect(
        env.PADDOCK_TRUST_PROXY,
        `${name}: PADDOCK_TRUST_PROXY does not trust the load balancer`,
      ).not.toBe('false');
      return env;
    });
    // One database, one key: any replica reads and decrypts what another one wrote.
    expect(new Set(seen.map((e) => e.DATABASE_URL)).size, 'the replicas use different databases').toBe(1);
    expect(
      new Set(seen.map((e) => e.PADDOCK_SECRET_KEY)).size,
      'the replicas use different secret keys',
    ).toBe(1);
    expect(new Set(dataVolumes).size, 'two replicas share a data volume').toBe(replicas.length);
  });

  it('refuses to start without the secrets instead of running with empty ones', () => {
    for (const [name, service] of replicas) {
      const env = serviceEnvironment(service);
      expect(
        () => interpolate(env.PADDOCK_SECRET_KEY ?? '', {}),
        `${name}: PADDOCK_SECRET_KEY has no :? guard`,
      ).toThrow();
      expect(
        () => interpolate(env.DATABASE_URL ?? '', {}),
        `${name}: POSTGRES_PASSWORD has no :? guard`,
      ).toThrow();
    }
  });

  it('declares every named volume it mounts', () => {
    const named = Object.values(services)
      .flatMap(volumeMounts)
      .map((m) => m.source)
      .filter((source) => /^[A-Za-z0-9][\w.-]*$/.test(source));
    expect(
      named.filter((v) => !(v in (compose.volumes ?? {}))),
      'volumes used but not declared',
    ).toEqual([]);
  });

  it('has every variable it reads listed in .env.example', () => {
    const listed = Object.keys(envExample());
    const missing = composeVariables.filter((name) => !listed.includes(name));
    expect(composeVariables.length, 'no ${VAR} found in docker-compose.yml').toBeGreaterThan(0);
    expect(missing, '.env.example does not list these variables docker-compose.yml reads').toEqual([]);
  });
});

describe('the load balancer (deploy/lb/nginx.conf)', () => {
  it('runs nginx with deploy/lb/nginx.conf as its configuration, published on the port it listens on', () => {
    expect(lb.image ?? '', 'lb must run nginx').toMatch(/^nginx:/);
    expect(nginxFile, 'lb does not mount a file at /etc/nginx/nginx.conf').toBe('deploy/lb/nginx.conf');
    expect(server, 'nginx.conf has no http { server { ... } }').toBeDefined();
    const listens = directives(server, 'listen').map((d) => d.args[0]!.split(':').at(-1));
    const ports = containerPorts(lb, secrets);
    expect(ports.length, 'lb publishes no port').toBeGreaterThan(0);
    for (const port of ports)
      expect(listens, `lb publishes ${port}, where nginx does not listen`).toContain(port);
    for (const [name] of replicas) {
      expect(dependsOn(lb, name), `lb does not start after ${name}`).toBeDefined();
    }
  });

  it('sends every request to a group of all the replicas, with passive health checks and no stickiness', () => {
    const apiPort = String(replicaEnv(api, secrets).PORT);
    const used = ['/', '/api/v1/machines', '/agent', '/live'].map((uri) => {
      const target = effective(routeOf(uri).levels, 'proxy_pass')[0]?.args[0] ?? '';
      const name = /^http:\/\/([^/:]+)\/?$/.exec(target)?.[1];
      expect(name && upstreams.has(name), `${uri} is not passed to an upstream group (${target})`).toBe(true);
      return name!;
    });
    for (const name of new Set(used)) {
      const group = upstreams.get(name)!;
      const servers = directives(group, 'server');
      expect(
        servers.map((s) => s.args[0]).sort(),
        `upstream ${name} does not name every replica on the API's port ${apiPort}`,
      ).toEqual(replicas.map(([replica]) => `${replica}:${apiPort}`).sort());
      for (const s of servers) {
        const params = s.args.slice(1).join(' ');
        expect(params, `upstream ${name}: ${s.args[0]} has no max_fails`).toMatch(/\bmax_fails=[1-9]/);
        expect(params, `upstream ${name}: ${s.args[0]} has no fail_timeout`).toMatch(/\bfail_timeout=\d/);
        if (s.args.includes('resolve')) {
          expect(directives(group, 'zone'), `upstream ${name}: resolve needs a zone`).not.toEqual([]);
          expect(
            [...directives(http, 'resolver'), ...directives(group, 'resolver')],
            `upstream ${name}: resolve needs a resolver`,
          ).not.toEqual([]);
        }
      }
      // Any replica serves any request and socket: pinning clients to one would only hide that it could not.
      for (const sticky of ['ip_hash', 'hash', 'sticky'])
        expect(directives(group, sticky), `upstream ${name} uses ${sticky}`).toEqual([]);
    }
  });

  it.each(['/agent', '/live'])(
    'passes the %s websocket upgrade, held open far longer than a heartbeat',
    (uri) => {
      const { location, levels } = routeOf(uri);
      expect(location, `no location serves ${uri}`).toBeDefined();
      expect(effective(levels, 'proxy_http_version')[0]?.args[0], `${uri}: websockets need HTTP/1.1`).toBe(
        '1.1',
      );
      const headers = headerSet(levels);
      expect(headers.get('upgrade'), `${uri}: Upgrade is not passed on`).toBe('$http_upgrade');
      const connection = headers.get('connection') ?? '';
      if (connection.startsWith('$')) {
        // A map from $http_upgrade: `upgrade` whenever the client asked for one.
        const map = directives(http, 'map').find(
          (m) => m.args[0] === '$http_upgrade' && m.args[1] === connection,
        );
        expect(map, `${uri}: Connection ${connection} is not mapped from $http_upgrade`).toBeDefined();
        expect(
          directives(map!.block, 'default')[0]?.args[0],
          `${uri}: the map's default is not upgrade`,
        ).toBe('upgrade');
      } else {
        expect(connection.toLowerCase(), `${uri}: Connection is not upgrade`).toBe('upgrade');
      }
      // The API pings every 15 s (agents) and 30 s (browsers); nginx's default 60 s would do, a long one is safer.
      const read = nginxSeconds(effective(levels, 'proxy_read_timeout')[0]?.args[0] ?? '60s');
      expect(read, `${uri}: proxy_read_timeout would cut quiet sockets`).toBeGreaterThanOrEqual(600);
      const send = nginxSeconds(effective(levels, 'proxy_send_timeout')[0]?.args[0] ?? '60s');
      expect(send, `${uri}: proxy_send_timeout would cut quiet sockets`).toBeGreaterThanOrEqual(600);
    },
  );

  it.each(['/', '/api/v1/runners', '/agent', '/live'])(
    'tells the replicas who the client is and which address it used, for %s',
    (uri) => {
      const headers = headerSet(routeOf(uri).levels);
      expect(headers.get('x-forwarded-for'), `${uri}: X-Forwarded-For`).toBe('$proxy_add_x_forwarded_for');
      expect(headers.get('x-forwarded-proto'), `${uri}: X-Forwarded-Proto`).toBe('$scheme');
      // With the port: Paddock compares it with the Origin of changes and of /live.
      expect(headers.get('host'), `${uri}: Host must keep the port the client used`).toBe('$http_host');
    },
  );
});

describe('the demo profile', () => {
  const demoEnv = (service: Service) =>
    Object.fromEntries(
      Object.entries(serviceEnvironment(service)).map(([k, v]) => [k, interpolate(v ?? '', secrets)]),
    );
  const lbPort = directives(server, 'listen')[0]?.args[0]?.split(':').at(-1);

  it('stays out of a plain `docker compose up` and brings a GitLab simulator, a setup and three hosts', () => {
    for (const [name, service] of [['postgres', postgres] as const, ['lb', lb] as const, ...replicas])
      expect(service.profiles, `${name} must run without a profile`).toBeUndefined();
    expect(demoServices.map(([name]) => name)).toEqual(expect.arrayContaining(['gitlab-sim', 'demo-setup']));
    expect(demoHosts.length, 'the demo needs three hosts').toBeGreaterThanOrEqual(3);
    for (const [name, service] of demoServices)
      expect(service.profiles, `${name} should be in the demo profile only`).toEqual(['demo']);
  });

  it('runs programs the image contains and scripts the repository has', () => {
    const copied = runtimeInstructions('COPY')
      .map(parseCopy)
      .filter((c) => c.from !== null)
      .map((c) => appRelative(c.dest));
    /** `dir/dist/x.js` in the image: its dist is copied, and it is built from a source that exists. */
    const inImage = (file: string, source: string) => {
      expect(
        copied.some((dir) => file.startsWith(`${dir}/`)),
        `${file} is not in the image (no COPY of its dist)`,
      ).toBe(true);
      expect(
        existsSync(path.join(root, source)),
        `${file} is built from ${source}, which does not exist`,
      ).toBe(true);
    };
    for (const [name, service] of demoServices) {
      const [program, script] = commandOf(service);
      expect(script, `${name} has no command`).toBeDefined();
      if (script!.startsWith('/')) {
        // A script mounted from the repository.
        const mount = volumeMounts(service).find((m) => script!.startsWith(`${m.target}/`));
        expect(mount, `${name}: nothing is mounted where ${script} is`).toBeDefined();
        const file = path.posix.join(mount!.source, script!.slice(mount!.target.length + 1));
        expect(existsSync(path.join(root, file)), `${name} runs ${file}, which does not exist`).toBe(true);
      } else {
        expect(program, `${name} runs ${script} without node`).toBe('node');
        inImage(script!, script!.replace('/dist/', '/src/').replace(/\.js$/, '.ts'));
      }
    }
    const hostScript = read('deploy/demo/host.sh');
    const programs = [...hostScript.matchAll(/\$APP_DIR\/(\S+\.js)/g)].map((m) => m[1]!);
    expect(programs.sort()).toEqual([
      'apps/agent/dist/paddock-agent.js',
      'packages/gitlab-sim/dist/runner-sim-cli.js',
    ]);
    inImage('apps/agent/dist/paddock-agent.js', 'apps/agent/src/main.ts');
    inImage('packages/gitlab-sim/dist/runner-sim-cli.js', 'packages/gitlab-sim/src/runner-sim-cli.ts');
  });

  it('connects the setup and every host through the load balancer, each host with an identity of its own', () => {
    for (const [name, service] of [...demoHosts, ['demo-setup', services['demo-setup'] ?? {}] as const]) {
      const url = new URL(demoEnv(service).PADDOCK_URL ?? '');
      expect(url.hostname, `${name} does not go through lb`).toBe('lb');
      expect(url.port, `${name} does not use the port nginx listens on`).toBe(lbPort);
    }
    const hostnames = demoHosts.map(([, s]) => demoEnv(s).PADDOCK_AGENT_HOSTNAME);
    expect(new Set(hostnames).size, 'demo hosts share a hostname').toBe(demoHosts.length);
    const homes = demoHosts.map(([, s]) => volumeMounts(s).find((m) => m.target === '/home/node')?.source);
    expect(homes.every(Boolean), 'a demo host keeps no state in a volume').toBe(true);
    expect(new Set(homes).size, 'demo hosts share their state volume').toBe(demoHosts.length);
    for (const [name, service] of demoHosts)
      expect(service.init, `${name} runs two processes: it needs an init to reap them`).toBe(true);
  });

  it('hands the enrollment token from the setup to the hosts on a shared volume', () => {
    const setup = services['demo-setup'] ?? {};
    const tokenFile = demoEnv(setup).TOKEN_FILE ?? '';
    const shared = volumeMounts(setup).find((m) => tokenFile.startsWith(`${m.target}/`));
    expect(shared, `demo-setup writes ${tokenFile} outside any volume`).toBeDefined();
    for (const [name, service] of demoHosts) {
      const file = demoEnv(service).TOKEN_FILE ?? '';
      const mount = volumeMounts(service).find((m) => file.startsWith(`${m.target}/`));
      expect(mount?.source, `${name} does not see the volume demo-setup writes the token to`).toBe(
        shared!.source,
      );
      expect(file.slice(mount!.target.length), `${name} reads another file`).toBe(
        tokenFile.slice(shared!.target.length),
      );
      expect(dependsOn(service, 'demo-setup'), `${name} may start before demo-setup`).toBeDefined();
    }
  });

  it('points the setup at the simulated GitLab with its administrator token', () => {
    const sim = commandOf(services['gitlab-sim'] ?? {}).map((a) => interpolate(a, {}));
    const flag = (name: string) => sim[sim.indexOf(name) + 1];
    const setup = demoEnv(services['demo-setup'] ?? {});
    const url = new URL(setup.GITLAB_URL ?? '');
    expect(url.hostname).toBe('gitlab-sim');
    expect(url.port, 'GITLAB_URL is not the port gitlab-sim listens on').toBe(flag('--port'));
    expect(flag('--host'), 'gitlab-sim listens on loopback only').toBe('0.0.0.0');
    expect(setup.GITLAB_TOKEN, "GITLAB_TOKEN is not the simulator's --admin-token").toBe(
      flag('--admin-token'),
    );
    expect(dependsOn(services['demo-setup'] ?? {}, 'gitlab-sim')).toBe('service_healthy');
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
    const apiPort = String(replicaEnv(api, secrets).PORT);
    expect(exposed, `the replicas listen on ${apiPort}, which the Dockerfile does not EXPOSE`).toContain(
      apiPort,
    );
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
