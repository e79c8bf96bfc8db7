// The gitlab-runner simulator running generated jobs against the GitLab simulator, end to end over HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { harness } from '../test-support/simulator.js';
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
