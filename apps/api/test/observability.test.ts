/**
 * What operators see: log lines carry the request id (and, for an agent's connection, the machine id), and the
 * Grafana dashboard and Prometheus config in deploy/ only use metric and label names a running app exports.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMessage, parseServerMessage, PROTOCOL_VERSION } from '@paddock/protocol';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { buildApp, type App } from '../src/app.js';
import { loggerOptions } from '../src/lib/logger.js';
import { authenticateInjects } from './support/auth.js';
import { parseScrape, seriesNames } from './support/prometheus-text.js';
import { testEnv, useTestApp } from './support/test-db.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ctx = useTestApp();

interface LogLine {
  level: number;
  msg?: string;
  requestId?: string;
  machineId?: string;
  [key: string]: unknown;
}

describe('log lines', () => {
  const lines: LogLine[] = [];
  let app: App;
  let base: string;

  beforeAll(async () => {
    const logger = pino(loggerOptions({ level: 'info', pretty: false }), {
      write: (line: string) => void lines.push(JSON.parse(line) as LogLine),
    });
    app = await buildApp({ env: testEnv(), db: ctx.db, secrets: ctx.secrets, logger });
    authenticateInjects(app, ctx.admin.bearer);
    base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  });
  afterAll(() => app.close());

  it('carry the request id: the caller’s when it sent one, a new one otherwise', async () => {
    const given = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-0123456789' } });
    expect(given.headers['x-request-id']).toBe('trace-0123456789');
    expect(lines.filter((l) => l.requestId === 'trace-0123456789').map((l) => l.msg)).toEqual([
      'incoming request',
      'request completed',
    ]);

    const refused = await app.inject({ url: '/api/v1/machines/01930000-0000-7000-8000-0000000000bb' });
    expect(refused.statusCode).toBe(404);
    const id = refused.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const ofRefused = lines.filter((l) => l.requestId === id);
    expect(ofRefused.map((l) => l.msg)).toEqual([
      'incoming request',
      expect.stringContaining('does not exist'),
      'request completed',
    ]);

    const perRequest = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
    expect(perRequest.length).toBeGreaterThanOrEqual(4);
    expect(perRequest.filter((l) => typeof l.requestId !== 'string')).toEqual([]);
  });

  it('of an agent connection carry its machine id and the id of the request that opened it', async () => {
    const token = await app.inject({
      method: 'POST',
      url: '/api/v1/enrollment-tokens',
      payload: { name: 'logs', maxUses: 1 },
    });
    const enrolled = await app.inject({
      method: 'POST',
      url: '/api/v1/agent/enroll',
      payload: {
        token: token.json().token,
        hostname: 'logs-1',
        systemId: 's_logs00000001',
        os: 'linux',
        arch: 'x64',
      },
    });
    expect(enrolled.statusCode, enrolled.body).toBe(201);
    const { machineId, credential } = enrolled.json() as { machineId: string; credential: string };

    const ws = new WebSocket(`${base}/agent`, {
      headers: { authorization: `Bearer ${credential}`, 'x-request-id': 'agent-conn-0001' },
    });
    const welcomed = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        const parsed = parseServerMessage(data.toString());
        if (parsed.ok && parsed.message.type === 'welcome') resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(
      encodeMessage({
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        agentVersion: '0.1.0',
        systemId: 's_logs00000001',
        hostname: 'logs-1',
        os: 'linux',
        arch: 'x64',
        runnerVersion: null,
        applied: null,
        diskSha256: null,
      }),
    );
    await welcomed;
    ws.close();
    await vi.waitFor(() => expect(lines.some((l) => l.msg === 'agent disconnected')).toBe(true));

    const connected = lines.find((l) => l.msg === 'agent connected');
    expect(connected).toMatchObject({ machineId, requestId: 'agent-conn-0001' });
    expect(lines.find((l) => l.msg === 'agent disconnected')).toMatchObject({
      machineId,
      requestId: 'agent-conn-0001',
    });
    // Everything logged about this connection names the machine.
    const ofConnection = lines.filter(
      (l) => l.requestId === 'agent-conn-0001' && l.msg !== 'incoming request',
    );
    expect(ofConnection.length).toBeGreaterThanOrEqual(2);
    expect(ofConnection.filter((l) => l.machineId !== machineId)).toEqual([]);
    // The credential never reaches the logs.
    expect(JSON.stringify(lines)).not.toContain(credential);
  });
});

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  panels: Panel[];
  templating: { list: Array<{ name: string; query?: string | { query: string } }> };
  uid: string;
  title: string;
}

describe('deploy/grafana/paddock-dashboard.json', () => {
  const dashboard = JSON.parse(read('deploy/grafana/paddock-dashboard.json')) as Dashboard;
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const queries = [
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr ?? '' }))),
    ...dashboard.templating.list.map((v) => ({
      where: `variable ${v.name}`,
      expr: typeof v.query === 'string' ? v.query : (v.query?.query ?? ''),
    })),
  ];

  it('asks for its Prometheus data source on import and uses it everywhere', () => {
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    const sources = panels
      .filter((p) => p.type !== 'row')
      .flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]);
    expect(sources.length).toBeGreaterThan(20);
    for (const source of sources) expect(source).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.uid).toBe('paddock-overview');
  });

  it('queries only metrics and labels a running app exports, and shows every metric it exports', async () => {
    // A request first, so the HTTP histogram has series and labels.
    await ctx.app.inject('/healthz');
    const res = await ctx.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    const scrape = parseScrape(res.body);
    const exported = seriesNames(scrape);
    const labels = new Set(['job', 'instance', 'le']);
    for (const s of scrape.samples) for (const name of Object.keys(s.labels)) labels.add(name);

    const used = new Set<string>();
    const unknown: string[] = [];
    for (const { where, expr } of queries) {
      expect(expr, where).not.toBe('');
      const names = expr.match(/\bpaddock_[a-z0-9_]+/g) ?? [];
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) {
        used.add(name);
        if (!exported.has(name)) unknown.push(`${where}: metric ${name}`);
      }
      // Label names in matchers ({outcome="ok"}) and groupings (by (le, route)).
      const matchers = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
        [...m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
      );
      const groupings = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
        m[1]!.split(',').map((l) => l.trim()),
      );
      for (const label of [...matchers, ...groupings])
        if (!labels.has(label)) unknown.push(`${where}: label ${label}`);
    }
    expect(unknown).toEqual([]);

    const families = [...scrape.types.keys()].filter((name) => name.startsWith('paddock_'));
    const unshown = families.filter(
      (family) => ![family, `${family}_bucket`, `${family}_sum`, `${family}_count`].some((n) => used.has(n)),
    );
    expect(unshown, 'metrics without a panel').toEqual([]);
  });
});

describe('deploy/prometheus/prometheus.yml', () => {
  it('scrapes /metrics with a bearer token read from a file', () => {
    const config = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{
        job_name: string;
        metrics_path?: string;
        authorization?: { type?: string; credentials_file?: string; credentials?: string };
        static_configs: Array<{ targets: string[] }>;
      }>;
    };
    const job = config.scrape_configs.find((c) => c.job_name === 'paddock');
    expect(job).toBeDefined();
    expect(job!.metrics_path).toBe('/metrics');
    expect(job!.authorization).toEqual({
      type: 'Bearer',
      credentials_file: expect.stringMatching(/^\//),
    });
    expect(job!.static_configs.flatMap((s) => s.targets).length).toBeGreaterThan(0);
  });
});

function read(file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}
