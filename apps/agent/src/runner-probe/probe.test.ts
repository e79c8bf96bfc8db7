import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, startHttpServer, type TestServer } from '../../test/support/http-server.js';
import type { ConfigRunner } from '../config-store/comparer.js';
import { createRunnerProbe, type ProbeTarget } from './probe.js';

const SAMPLE = readFileSync(
  new URL('../../test/fixtures/gitlab-runner-metrics.txt', import.meta.url),
  'utf8',
);

const RUNNERS: ConfigRunner[] = [
  {
    ref: { url: 'https://gitlab.example', id: 11 },
    token: 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY',
    name: 'docker "fast" lane',
  },
  { ref: { url: 'https://gitlab.example', id: 12 }, token: 'glrt-Zx81mmQaaXXXXXXXX', name: 'shell\\build' },
  // Configured but never polled yet: no series.
  { ref: { url: 'https://other.example', id: 3 }, token: 'glrt-NeverSeen0000', name: null },
  // Same runner twice in config.toml: reported once.
  { ref: { url: 'https://gitlab.example', id: 11 }, token: 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY', name: 'dup' },
];

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function probeFor(target: ProbeTarget | (() => Promise<ProbeTarget>), timeoutMs = 2000) {
  return createRunnerProbe({ target: typeof target === 'function' ? target : async () => target, timeoutMs });
}

describe('runner probe', () => {
  it('maps per-runner series to config.toml runners by short token', async () => {
    server = await startHttpServer((req, res) => {
      expect(req.url).toBe('/metrics');
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(SAMPLE);
    });
    const probe = probeFor({ metrics: { url: `${server.url}/metrics` }, runners: RUNNERS });
    expect(probe.hasScraped()).toBe(false);
    const status = await probe.scrape();
    expect(status).toEqual({
      metricsOk: true,
      error: null,
      version: '19.4.0',
      concurrent: 8,
      errors: { error: 3, fatal: 0, panic: 0, warning: 27 },
      jobs: [
        { runner: { url: 'https://gitlab.example', id: 11 }, running: 3, limit: 4 },
        { runner: { url: 'https://gitlab.example', id: 12 }, running: 0, limit: 0 },
        { runner: { url: 'https://other.example', id: 3 }, running: 0, limit: null },
      ],
    });
    expect(probe.lastVersion()).toBe('19.4.0');
    expect(probe.hasScraped()).toBe(true);
  });

  it('reports an HTTP error without crashing', async () => {
    server = await startHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end('not ready');
    });
    const status = await probeFor({ metrics: { url: `${server.url}/metrics` }, runners: RUNNERS }).scrape();
    expect(status).toMatchObject({
      metricsOk: false,
      error: expect.stringContaining('HTTP 503'),
      version: null,
    });
    expect(status.jobs).toHaveLength(3);
  });

  it('gives up after the timeout', async () => {
    server = await startHttpServer(() => {
      // never answers
    });
    const status = await probeFor({ metrics: { url: `${server.url}/metrics` }, runners: [] }, 100).scrape();
    expect(status).toMatchObject({
      metricsOk: false,
      error: expect.stringContaining('no answer within 100 ms'),
    });
  });

  it('reports an unreachable runner', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/metrics`;
    const status = await probeFor({ metrics: { url }, runners: [] }).scrape();
    expect(status).toMatchObject({ metricsOk: false, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses an endpoint that is not gitlab-runner', async () => {
    server = await startHttpServer((_req, res) => res.end('# nothing\ngo_goroutines 3\n'));
    const status = await probeFor({ metrics: { url: `${server.url}/metrics` }, runners: [] }).scrape();
    expect(status).toMatchObject({
      metricsOk: false,
      error: expect.stringContaining('no gitlab_runner_ metrics'),
    });
  });

  it('reports disabled metrics and a config that cannot be read', async () => {
    const disabled = await probeFor({
      metrics: { url: null, reason: 'listen_address is empty' },
      runners: [],
    }).scrape();
    expect(disabled).toMatchObject({ metricsOk: false, error: 'listen_address is empty' });
    const broken = await probeFor(async () => {
      throw Object.assign(new Error('denied'), { code: 'EACCES' });
    }).scrape();
    expect(broken).toMatchObject({ metricsOk: false, error: 'cannot read config.toml: EACCES' });
  });
});
