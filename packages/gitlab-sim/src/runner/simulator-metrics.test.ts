import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { configToml } from '../test-support/config.js';
import { harness, isEvent } from '../test-support/simulator.js';
import { resolveListenAddress } from './metrics-server.js';

const TOKEN = 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY';
const SYS = 's_ee3af03959fe';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function call(port: number, method: string, path = '/metrics'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function portOf(h: { sim: { state(): { metricsAddress: { port: number } | null } } }): number {
  const address = h.sim.state().metricsAddress;
  if (!address) throw new Error('no metrics listener');
  return address.port;
}

describe('metrics on listen_address', () => {
  it('serves gitlab-runner metric names, types and labels over HTTP', async () => {
    const h = await harness({
      config: configToml({
        concurrent: 4,
        listenAddress: '127.0.0.1:0',
        runners: [{ name: 'docker-1', token: TOKEN, limit: 3, requestConcurrency: 2 }],
      }),
    });
    await h.source.until(() => h.source.running === 3);
    const reply = await call(portOf(h), 'GET');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(
      'text/plain; version=0.0.4; charset=utf-8; escaping=underscores',
    );
    const lines = reply.body.split('\n');
    const runner = `runner="pQ7vN2xK9",runner_name="docker-1",system_id="${SYS}"`;
    expect(lines).toEqual(
      expect.arrayContaining([
        '# TYPE gitlab_runner_version_info gauge',
        expect.stringMatching(
          /^gitlab_runner_version_info\{architecture="[^"]+",branch="[^"]*",built_at="[^"]*",go_version="[^"]*",name="gitlab-runner",os="[^"]+",revision="[^"]*",version="19\.4\.0"\} 1$/,
        ),
        '# TYPE gitlab_runner_concurrent gauge',
        'gitlab_runner_concurrent 4',
        '# TYPE gitlab_runner_limit gauge',
        `gitlab_runner_limit{${runner}} 3`,
        '# TYPE gitlab_runner_worker_slots_number gauge',
        'gitlab_runner_worker_slots_number 4',
        '# TYPE gitlab_runner_jobs gauge',
        `gitlab_runner_jobs{executor_stage="docker_run",runner="pQ7vN2xK9",runner_name="docker-1",stage="step_script",state="running",system_id="${SYS}"} 3`,
        `gitlab_runner_jobs{executor_stage="idle",runner="pQ7vN2xK9",runner_name="docker-1",stage="idle",state="idle",system_id="${SYS}"} 0`,
        '# TYPE gitlab_runner_jobs_total counter',
        `gitlab_runner_jobs_total{${runner}} 3`,
        '# TYPE gitlab_runner_request_concurrency gauge',
        `gitlab_runner_request_concurrency{runner="pQ7vN2xK9",system_id="${SYS}"} 0`,
        '# TYPE gitlab_runner_request_concurrency_hard_limit gauge',
        `gitlab_runner_request_concurrency_hard_limit{runner="pQ7vN2xK9",system_id="${SYS}"} 2`,
        '# TYPE gitlab_runner_request_concurrency_exceeded_total counter',
        '# TYPE gitlab_runner_configuration_loaded_total counter',
        'gitlab_runner_configuration_loaded_total 1',
        '# TYPE gitlab_runner_configuration_loading_error_total counter',
        'gitlab_runner_configuration_loading_error_total 0',
        '# TYPE gitlab_runner_errors_total counter',
        'gitlab_runner_errors_total{level="error"} 0',
        'gitlab_runner_errors_total{level="fatal"} 0',
        'gitlab_runner_errors_total{level="panic"} 0',
        'gitlab_runner_errors_total{level="warning"} 0',
        '# TYPE gitlab_runner_worker_feeds_total counter',
        '# TYPE gitlab_runner_process_state_info gauge',
        'gitlab_runner_process_state_info{state="running"} 1',
      ]),
    );
    // Every family has exactly one HELP and one TYPE line, before its samples.
    const families = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(new Set(families).size).toBe(families.length);
    for (const name of families)
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^# HELP ${name} \\S`)));
    // No sample without its family.
    for (const line of lines.filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(families).toContain(line.split(/[{ ]/)[0]);
    }
  });

  it('counts the warnings of a reload in gitlab_runner_errors_total', async () => {
    const h = await harness({
      config: configToml({ concurrent: 1, runners: [{ name: 'r', token: TOKEN, requestConcurrency: 1 }] }),
    });
    // The long polling warning: request_concurrency = 1.
    expect(h.sim.metricsText()).toContain('\ngitlab_runner_errors_total{level="warning"} 1\n');
    const loaded = h.sim.nextEvent(isEvent('config-loaded'));
    await h.write(
      configToml({ concurrent: 1, runners: [{ name: 'r', token: TOKEN, requestConcurrency: 1 }] }),
    );
    await loaded;
    expect(h.sim.metricsText()).toContain('\ngitlab_runner_errors_total{level="warning"} 2\n');
  });

  it('answers only GET and HEAD on /metrics', async () => {
    const h = await harness({ config: configToml({ concurrent: 1, listenAddress: '127.0.0.1:0' }) });
    const port = portOf(h);
    const post = await call(port, 'POST');
    expect(post.status).toBe(405);
    expect(post.body).toBe('Method Not Allowed\n');
    expect((await call(port, 'PUT')).status).toBe(405);
    const head = await call(port, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await call(port, 'GET', '/nothing')).status).toBe(404);
  });

  it('binds at start only: a new listen_address needs a restart', async () => {
    const h = await harness({ config: configToml({ concurrent: 1, listenAddress: '127.0.0.1:0' }) });
    const port = portOf(h);
    await h.write(configToml({ concurrent: 2, listenAddress: '127.0.0.1:1' }), 1);
    expect(await h.sim.reload()).toEqual({ ok: true });
    expect(portOf(h)).toBe(port);
    expect((await call(port, 'GET')).body).toContain('\ngitlab_runner_concurrent 2\n');
  });

  it('lets --listen-address win over the file, and serves nothing without an address', async () => {
    const flagged = await harness({
      config: configToml({ concurrent: 1, listenAddress: '127.0.0.1:1' }),
      options: { listenAddress: '127.0.0.1:0' },
    });
    expect(portOf(flagged)).not.toBe(1);
    const none = await harness({ config: configToml({ concurrent: 1 }) });
    expect(none.sim.state().metricsAddress).toBeNull();
  });

  it('fails to start when the address is taken, as gitlab-runner dies', async () => {
    const first = await harness({ config: configToml({ concurrent: 1, listenAddress: '127.0.0.1:0' }) });
    const second = await harness({
      config: configToml({ concurrent: 1, listenAddress: `127.0.0.1:${portOf(first)}` }),
      start: false,
    });
    await expect(second.sim.start()).rejects.toThrow(/Failed to create listener for metrics server/);
  });

  it('closes the listener when it stops', async () => {
    const h = await harness({ config: configToml({ concurrent: 1, listenAddress: '127.0.0.1:0' }) });
    const port = portOf(h);
    await h.sim.stop();
    await expect(call(port, 'GET')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('resolveListenAddress', () => {
  it.each([
    ['', null],
    ['localhost', { ok: true, host: 'localhost', port: 9252 }],
    ['0.0.0.0:9000', { ok: true, host: '0.0.0.0', port: 9000 }],
    [':9252', { ok: true, host: '', port: 9252 }],
    ['[::1]', { ok: true, host: '::1', port: 9252 }],
    ['[::1]:9300', { ok: true, host: '::1', port: 9300 }],
    ['::1', { ok: false, error: 'address ::1: too many colons in address', fatal: false }],
    ['host:', { ok: false, error: 'address host:: invalid port ""', fatal: true }],
  ])('%j', (address, expected) => {
    expect(resolveListenAddress(address)).toEqual(expected);
  });
});
