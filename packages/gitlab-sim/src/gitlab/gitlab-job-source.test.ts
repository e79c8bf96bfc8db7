// The gitlab-runner simulator running generated jobs against the GitLab simulator, end to end over HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { GitlabProxy, type ProxiedRequest } from '../test-support/gitlab-proxy.js';
import { harness, isEvent } from '../test-support/simulator.js';
import { GitlabApiClient } from './api-client.js';
import { GitlabJobSource } from './gitlab-job-source.js';
import { GitlabSimulator } from './simulator.js';

const ADMIN = 'glpat-admin-token-0000000';
let sim: GitlabSimulator | undefined;
afterEach(() => sim?.close());

function config(url: string, runners: Array<{ name: string; token: string }>): string {
  const entries = runners.map(
    (r) =>
      `[[runners]]\n  name = "${r.name}"\n  url = "${url}"\n  token = "${r.token}"\n  executor = "docker"\n  request_concurrency = 2\n`,
  );
  return `concurrent = 4\n\n${entries.join('\n')}`;
}

describe('GitlabJobSource', () => {
  it('takes jobs matching its tags, streams their logs and reports their outcome', async () => {
    sim = new GitlabSimulator({
      adminToken: ADMIN,
      seed: 4,
      generator: { projects: 2, minDurationSeconds: 5, maxDurationSeconds: 10 },
    });
    const url = await sim.listen();
    const api = new GitlabApiClient(url, ADMIN);
    const created = await api.post('/user/runners', {
      runner_type: 'instance_type',
      tag_list: 'docker,linux,postgres,deploy',
    });
    const { id, token } = created.json<{ id: number; token: string }>();
    for (let i = 0; i < 3; i++) sim.generator?.createPipeline();

    const { sim: runnerSim } = await harness({
      config: config(url, [{ name: 'fleet-a', token }]),
      source: new GitlabJobSource({ timeScale: 0.005 }),
    });
    const systemId = runnerSim.state().systemId;

    const runnable = () =>
      [...sim!.store.jobs.values()].filter((j) =>
        j.tagList.every((t) => ['docker', 'linux', 'postgres', 'deploy'].includes(t)),
      );
    const deadline = Date.now() + 20_000;
    while (
      Date.now() < deadline &&
      !runnable().every((j) => ['success', 'failed', 'skipped'].includes(j.status))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await runnerSim.stop();

    const finished = runnable().filter((j) => j.status === 'success' || j.status === 'failed');
    expect(finished.length).toBeGreaterThanOrEqual(3);
    for (const job of finished) {
      expect(job.runnerId).toBe(id);
      expect(job.status).toBe(job.plan?.outcome);
      const log = job.trace.toString();
      expect(log).toContain('section_start:');
      expect(log).toContain(job.plan?.outcome === 'success' ? 'Job succeeded' : 'ERROR: Job failed');
    }
    // Jobs whose tags the runner lacks were never taken.
    const foreign = [...sim.store.jobs.values()].filter((j) =>
      j.tagList.some((t) => t === 'gpu' || t === 'macos'),
    );
    for (const job of foreign) expect(job.runnerId).toBeNull();
    const managers = await api
      .get(`/runners/${id}/managers`)
      .then((r) => r.json<Array<{ system_id: string; version: string }>>());
    expect(managers).toEqual([expect.objectContaining({ system_id: systemId, version: '19.4.0' })]);
  });

  it('reports a rejected token as a failed request', async () => {
    sim = new GitlabSimulator({ adminToken: ADMIN });
    const url = await sim.listen();
    const source = new GitlabJobSource();
    const runner = {
      index: 0,
      name: 'x',
      url,
      token: 'glrt-unknown',
      shortToken: 'unknown',
      executor: 'docker',
      limit: 0,
      requestConcurrency: 1,
      adaptiveRequestConcurrency: true,
      strictCheckInterval: false,
      entry: {},
    };
    await expect(
      source.requestJob(runner as never, 's_000000000000', new AbortController().signal),
    ).rejects.toThrow(/403/);
    expect(sim.requests.count('POST /jobs/request')).toBe(1);
  });
});

/** A GitLab simulator behind a recording proxy, with an instance runner; the runner simulator talks to the proxy. */
async function gitlabWithProxy(options: { runners?: number; tags?: string } = {}) {
  sim = new GitlabSimulator({ adminToken: ADMIN, seed: 7 });
  const url = await sim.listen();
  const gitlab = sim;
  const proxy = new GitlabProxy(url);
  proxies.push(proxy);
  const proxyUrl = await proxy.listen();
  const api = new GitlabApiClient(url, ADMIN);
  const runners: Array<{ id: number; token: string }> = [];
  for (let i = 0; i < (options.runners ?? 1); i++) {
    const created = await api.post('/user/runners', {
      runner_type: 'instance_type',
      tag_list: options.tags ?? 'docker',
    });
    runners.push(created.json<{ id: number; token: string }>());
  }
  const group = gitlab.createGroup('acme');
  const project = gitlab.createProject({ name: 'shop', groupId: group.id });
  const pipeline = (jobs: Array<{ seconds: number; outcome?: 'success' | 'failed' }>) =>
    gitlab.createPipeline({
      projectId: project.id,
      ref: 'main',
      jobs: jobs.map((j, i) => ({
        name: `job-${i}`,
        stage: 'test',
        tags: ['docker'],
        script: ['make test'],
        plan: { durationSeconds: j.seconds, outcome: j.outcome ?? 'success' },
      })),
    });
  return { gitlab, api, proxy, proxyUrl, runners, pipeline };
}

const proxies: GitlabProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

interface EntrySpec {
  readonly name: string;
  readonly token: string;
  readonly limit?: number;
  readonly requestConcurrency?: number;
  readonly adaptive?: boolean;
}

function gitlabConfig(url: string, concurrent: number, entries: readonly EntrySpec[], top = ''): string {
  const lines = [`concurrent = ${concurrent}`, top];
  for (const e of entries) {
    lines.push(
      '',
      '[[runners]]',
      `  name = "${e.name}"`,
      `  url = "${url}"`,
      `  token = "${e.token}"`,
      '  executor = "docker"',
    );
    if (e.limit !== undefined) lines.push(`  limit = ${e.limit}`);
    if (e.requestConcurrency !== undefined) lines.push(`  request_concurrency = ${e.requestConcurrency}`);
    if (e.adaptive !== undefined) {
      lines.push('  [runners.feature_flags]', `    FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = ${e.adaptive}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function jsonBody(r: ProxiedRequest): Record<string, unknown> {
  return JSON.parse(r.body.toString()) as Record<string, unknown>;
}

describe('RunnerSimulator against the GitLab simulator', () => {
  it('verifies its runners at start and after a reload, and requests jobs with token and system_id', async () => {
    const { api, proxy, proxyUrl, runners } = await gitlabWithProxy();
    const [{ id, token }] = runners as [{ id: number; token: string }];
    const { sim: runnerSim, write } = await harness({
      config: gitlabConfig(proxyUrl, 2, [{ name: 'fleet-a', token }]),
      source: new GitlabJobSource(),
    });
    const systemId = runnerSim.state().systemId;
    await proxy.until(() => proxy.find('POST', '/jobs/request').length >= 1);

    const verifies = proxy.find('POST', '/runners/verify');
    expect(verifies).toHaveLength(1);
    expect(jsonBody(verifies[0]!)).toMatchObject({ token, system_id: systemId, info: { name: 'fleet-a' } });
    // The first job request comes after the verification.
    expect(proxy.requests.indexOf(verifies[0]!)).toBeLessThan(
      proxy.requests.indexOf(proxy.find('POST', '/jobs/request')[0]!),
    );
    expect(jsonBody(proxy.find('POST', '/jobs/request')[0]!)).toMatchObject({ token, system_id: systemId });
    const managers = await api
      .get(`/runners/${id}/managers`)
      .then((r) => r.json<Array<{ system_id: string; version: string }>>());
    expect(managers).toEqual([expect.objectContaining({ system_id: systemId, version: '19.4.0' })]);

    const verified = runnerSim.nextEvent(isEvent('runner-verified'));
    await write(gitlabConfig(proxyUrl, 2, [{ name: 'fleet-a', token, limit: 1 }]));
    expect((await verified).result).toEqual({ status: 'valid', id });
    expect(proxy.find('POST', '/runners/verify')).toHaveLength(2);
  });

  it('reports a token GitLab does not know as not valid, and logs its job requests as errors', async () => {
    const { proxyUrl } = await gitlabWithProxy({ runners: 0 });
    const { sim: runnerSim } = await harness({
      config: gitlabConfig(proxyUrl, 1, [{ name: 'gone', token: 'glrt-t1_unknownunknown00' }]),
      source: new GitlabJobSource(),
      start: false,
    });
    const verified = runnerSim.nextEvent(isEvent('runner-verified'));
    const requestFailed = runnerSim.nextEvent(
      (e) => e.type === 'log' && e.level === 'error' && e.message.includes('403'),
    );
    await runnerSim.start();
    expect((await verified).result).toEqual({ status: 'invalid' });
    await requestFailed;
    expect(runnerSim.metricsText()).toMatch(
      /\ngitlab_runner_api_request_statuses_total\{endpoint="request_job",method="POST",runner="unknownun",status="403",system_id="s_ee3af03959fe"\} [1-9]/,
    );
  });

  it('keeps job requests within request_concurrency and running jobs within min(concurrent, limit)', async () => {
    const { gitlab, proxy, proxyUrl, runners, pipeline } = await gitlabWithProxy({ runners: 2 });
    const [a, b] = runners as [{ id: number; token: string }, { id: number; token: string }];
    proxy.holdJobRequests = true;
    const { sim: runnerSim } = await harness({
      config: gitlabConfig(proxyUrl, 4, [
        { name: 'a', token: a.token, limit: 2, requestConcurrency: 3, adaptive: false },
        { name: 'b', token: b.token, requestConcurrency: 1 },
      ]),
      // Long-running jobs: they stay running until the test ends.
      source: new GitlabJobSource({ timeScale: 1 }),
    });
    // Requests held open at GitLab: a holds its limit (2 < request_concurrency 3), b its request_concurrency 1.
    await proxy.until(
      () => proxy.jobRequestsOf(a.token).inFlight === 2 && proxy.jobRequestsOf(b.token).inFlight === 1,
    );
    for (let i = 0; i < 5; i++) await runnerSim.nextEvent(isEvent('config-check'));
    expect(proxy.jobRequestsOf(a.token).peak).toBe(2);
    expect(proxy.jobRequestsOf(b.token).peak).toBe(1);
    expect(runnerSim.state().runners.find((r) => r.runnerName === 'a')?.requestsExceeded).toBe(0);

    // Now with jobs: a never runs more than its limit, and the four slots are the cap overall.
    pipeline(Array.from({ length: 8 }, () => ({ seconds: 3600 })));
    proxy.holdJobRequests = false;
    proxy.releaseJobRequests();
    const running = (runnerId: number) =>
      [...gitlab.store.jobs.values()].filter((j) => j.status === 'running' && j.runnerId === runnerId).length;
    await proxy.until(() => running(a.id) === 2 && running(b.id) === 2);
    for (let i = 0; i < 5; i++) await runnerSim.nextEvent(isEvent('config-check'));
    expect(running(a.id)).toBe(2);
    expect(running(b.id)).toBe(2);
    expect(runnerSim.state().running).toBe(4);
    expect(proxy.peakTotalInFlight).toBeLessThanOrEqual(4);
    expect(runnerSim.effectiveLimits().map((l) => l.effective)).toEqual([2, 4]);
  });

  it('streams the log in order through trace patches, recovers from a lost reply, and reports the outcome', async () => {
    const { gitlab, proxy, proxyUrl, runners, pipeline } = await gitlabWithProxy();
    const [{ token }] = runners as [{ id: number; token: string }];
    pipeline([{ seconds: 100, outcome: 'failed' }]);
    const jobId = [...gitlab.store.jobs.values()][0]!.id;
    // The first patch reaches GitLab but its reply is lost: the runner sends the same range again, GitLab
    // answers 416 with what it has, and the runner goes on from there.
    proxy.loseReplyOnce((r) => r.method === 'PATCH');
    const { sim: runnerSim } = await harness({
      config: gitlabConfig(proxyUrl, 1, [{ name: 'fleet-a', token }]),
      // 100 s in 1 s; patches every 5 simulated seconds (50 ms).
      source: new GitlabJobSource({ timeScale: 0.01, traceUpdateIntervalSeconds: 5 }),
    });
    const finished = await runnerSim.nextEvent(isEvent('job-finished'));
    expect(finished).toMatchObject({ jobId, outcome: 'failed' });

    const job = gitlab.job(jobId);
    if (!job) throw new Error(`job ${jobId} is gone`);
    expect(job).toMatchObject({ status: 'failed', failureReason: 'script_failure' });
    const patches = proxy.find('PATCH', `/jobs/${jobId}/trace`);
    expect(patches.length).toBeGreaterThanOrEqual(4);
    expect(patches.map((p) => p.status)).toContain(416);
    // Each accepted patch starts where GitLab's log ended: in order, no gap, no overlap.
    let size = 0;
    for (const patch of patches) {
      expect(patch.headers['job-token']).toBe(job.token ?? 'x');
      const [start, end] = (patch.headers['content-range'] ?? '').split('-').map(Number) as [number, number];
      expect(end - start + 1).toBe(patch.body.length);
      if (patch.status === 202) {
        expect(start).toBe(size);
        size += patch.body.length;
      }
    }
    const log = job.trace.toString();
    expect(size).toBe(job.trace.length);
    expect(log.match(/Running with gitlab-runner/g)).toHaveLength(1);
    for (const section of ['prepare_executor', 'get_sources', 'step_script', 'cleanup_file_variables']) {
      expect(log).toMatch(new RegExp(`section_start:\\d+:${section}\\r\\x1b\\[0K`));
      expect(log).toMatch(new RegExp(`section_end:\\d+:${section}\\r\\x1b\\[0K`));
    }
    expect(log).toContain('$ make test');
    expect(log.trimEnd().endsWith('ERROR: Job failed: exit code 1\x1b[0;m')).toBe(true);

    const update = proxy.find('PUT', `/jobs/${jobId}`);
    expect(update).toHaveLength(1);
    expect(jsonBody(update[0]!)).toMatchObject({
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 1,
      output: { bytesize: job.trace.length },
    });
    expect(proxy.requests.indexOf(update[0]!)).toBeGreaterThan(proxy.requests.indexOf(patches.at(-1)!));

    const metrics = runnerSim.metricsText();
    expect(metrics).toContain(
      `\ngitlab_runner_failed_jobs_total{failure_reason="script_failure",mode="traditional",runner="${
        runnerSim.state().runners[0]?.shortToken
      }",runner_name="fleet-a"} 1\n`,
    );
    expect(metrics).toMatch(
      /\ngitlab_runner_api_request_statuses_total\{endpoint="patch_trace",method="PATCH",runner="[^"]+",status="416",[^}]*\} 1\n/,
    );
    expect(metrics).toMatch(
      /\ngitlab_runner_api_request_statuses_total\{endpoint="update_job",method="PUT",runner="[^"]+",status="200",[^}]*\} 1\n/,
    );
    expect(metrics).toMatch(/\ngitlab_runner_errors_total\{level="warning"\} [1-9]/);
  });

  it('follows GitLab’s trace update interval when none is fixed', async () => {
    const { gitlab, proxy, proxyUrl, runners, pipeline } = await gitlabWithProxy();
    const [{ token }] = runners as [{ id: number; token: string }];
    pipeline([{ seconds: 200 }]);
    const { sim: runnerSim } = await harness({
      config: gitlabConfig(proxyUrl, 1, [{ name: 'fleet-a', token }]),
      source: new GitlabJobSource({ timeScale: 0.01 }),
    });
    const finished = await runnerSim.nextEvent(isEvent('job-finished'));
    expect(finished.outcome).toBe('success');
    const patches = proxy.find('PATCH', /\/trace$/);
    const at = patches.map((p) => proxy.requests.indexOf(p));
    // 200 s: one patch after 3 s, then GitLab asks for 60 s, so three more during the run, and the final one.
    expect(patches.length).toBeGreaterThanOrEqual(3);
    expect(patches.length).toBeLessThanOrEqual(6);
    expect(at).toEqual([...at].sort((x, y) => x - y));
    expect([...gitlab.store.jobs.values()][0]).toMatchObject({ status: 'success' });
  });
});
