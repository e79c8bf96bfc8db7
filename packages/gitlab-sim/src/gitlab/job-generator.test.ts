// The job generator and the job logs it leads to.
import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { buildJobLog } from './job-log.js';
import { GitlabSimulator } from './simulator.js';

function generated(seed: number) {
  const sim = new GitlabSimulator({
    seed,
    clock: manualClock(new Date('2026-03-01T10:00:00Z')),
    generator: { projects: 4 },
  });
  for (let i = 0; i < 30; i++) sim.generator?.createPipeline();
  return sim;
}

const summary = (sim: GitlabSimulator) =>
  [...sim.store.jobs.values()].map((j) => {
    const pipeline = sim.store.pipelines.get(j.pipelineId);
    return `${j.projectId}:${pipeline?.ref}:${j.name}:${j.tagList.join('+')}:${j.plan?.durationSeconds}:${j.plan?.outcome}`;
  });

describe('JobGenerator', () => {
  it('creates the same projects, pipelines and jobs for the same seed', () => {
    expect(summary(generated(42))).toEqual(summary(generated(42)));
    expect(summary(generated(42))).not.toEqual(summary(generated(43)));
    expect([...generated(42).store.projects.values()].map((p) => p.name)).toEqual([
      'web-shop',
      'payments',
      'search',
      'mobile-app',
    ]);
  });

  it('varies tags, refs, durations and outcomes, with deploys only on protected refs', () => {
    const sim = generated(7);
    const jobs = [...sim.store.jobs.values()];
    const pipelines = [...sim.store.pipelines.values()];
    expect(new Set(jobs.map((j) => j.tagList.join('+'))).size).toBeGreaterThanOrEqual(4);
    expect(jobs.some((j) => j.tagList.length === 0)).toBe(true);
    expect(pipelines.some((p) => p.protected)).toBe(true);
    expect(pipelines.some((p) => !p.protected)).toBe(true);
    expect(pipelines.some((p) => p.tag)).toBe(true);
    expect(jobs.some((j) => j.plan?.outcome === 'failed')).toBe(true);
    const durations = jobs.map((j) => j.plan?.durationSeconds ?? 0);
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...durations)).toBeLessThanOrEqual(120);
    expect(new Set(durations).size).toBeGreaterThan(10);
    for (const deploy of jobs.filter((j) => j.stage === 'deploy')) {
      expect(sim.store.pipelines.get(deploy.pipelineId)?.protected).toBe(true);
    }
    expect(jobs.filter((j) => j.stage === 'deploy').length).toBeGreaterThan(0);
  });

  it('refuses impossible settings', () => {
    expect(() => new GitlabSimulator({ generator: { failureRate: 2 } })).toThrow(/failureRate/);
    expect(
      () => new GitlabSimulator({ generator: { minDurationSeconds: 10, maxDurationSeconds: 5 } }),
    ).toThrow(/durations/);
  });
});

describe('buildJobLog', () => {
  const input = {
    jobId: 9,
    image: 'alpine:3.20',
    script: ['make build', 'make test'],
    outcome: 'success' as const,
    startedAt: new Date('2026-03-01T10:00:00Z'),
    durationSeconds: 100,
  };

  it('writes collapsible sections with start and end times and ANSI colours', () => {
    const log = buildJobLog(input)
      .map((p) => p.text)
      .join('');
    const t0 = Date.parse('2026-03-01T10:00:00Z') / 1000;
    for (const name of [
      'prepare_executor',
      'prepare_script',
      'get_sources',
      'step_script',
      'cleanup_file_variables',
    ]) {
      expect(log).toMatch(new RegExp(`section_start:\\d+:${name}\\r\\x1b\\[0K`));
      expect(log).toMatch(new RegExp(`section_end:\\d+:${name}\\r\\x1b\\[0K`));
    }
    expect(log).toContain(`section_start:${t0 + 15}:step_script\r\x1b[0K`);
    expect(log).toContain(`section_end:${t0 + 95}:step_script\r\x1b[0K`);
    expect(log).toContain('\x1b[32;1m$ make build\x1b[0;m');
    expect(log.endsWith('\x1b[32;1mJob succeeded\x1b[0;m\n')).toBe(true);
    expect(log.indexOf('make build')).toBeLessThan(log.indexOf('make test'));
  });

  it('ends a failed job with the failure line, and is the same for the same job', () => {
    const failed = buildJobLog({ ...input, outcome: 'failed' });
    expect(failed.at(-1)?.text).toContain('\x1b[31;1mERROR: Job failed: exit code 1');
    expect(buildJobLog(input)).toEqual(buildJobLog(input));
    expect(buildJobLog(input).map((p) => p.atSecond)).toEqual(
      [...buildJobLog(input).map((p) => p.atSecond)].sort((a, b) => a - b),
    );
  });
});
