/**
 * Fills the simulated GitLab with work: a group of projects (protected refs `main` and tags `v*`) and pipelines of
 * build, test and deploy stages whose jobs carry tags (docker, linux, postgres, gpu, macos, deploy, or none), run
 * between a few seconds and two minutes, and sometimes fail. Deploy jobs only exist on protected refs. Each job's
 * planned run time and outcome travel to the runner in `SIM_JOB_DURATION_SECONDS` and `SIM_JOB_OUTCOME`. With the
 * same seed the same projects, refs and jobs come out in the same order.
 */
import type { Ci, JobSpec } from './ci.js';
import type { Pipeline, Project } from './model.js';
import { Random } from './random.js';

export interface JobGeneratorOptions {
  readonly seed?: number;
  /** Projects to create at start; default 3. */
  readonly projects?: number;
  /** Share of jobs that fail, between 0 and 1; default 0.1. */
  readonly failureRate?: number;
  /** Run time range of a job, in seconds; default 5 to 120. */
  readonly minDurationSeconds?: number;
  readonly maxDurationSeconds?: number;
}

const PROJECT_NAMES = [
  'web-shop',
  'payments',
  'search',
  'mobile-app',
  'data-pipeline',
  'auth-service',
  'docs',
];
const FEATURES = ['login', 'cart', 'cache', 'retry', 'metrics', 'i18n', 'export'];

export class JobGenerator {
  private readonly random: Random;
  private readonly projects: Project[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ci: Ci,
    private readonly options: JobGeneratorOptions = {},
  ) {
    this.random = new Random(options.seed);
    const failureRate = options.failureRate ?? 0.1;
    if (!(failureRate >= 0 && failureRate <= 1)) throw new Error('failureRate must be between 0 and 1');
    const min = options.minDurationSeconds ?? 5;
    const max = options.maxDurationSeconds ?? 120;
    if (!(min > 0 && max >= min)) throw new Error('durations must be above 0 and min <= max');
  }

  /** Creates the group and its projects; returns the projects. */
  setUp(): readonly Project[] {
    if (this.projects.length > 0) return this.projects;
    const group = this.ci.createGroup('Acme');
    const count = this.options.projects ?? 3;
    for (let i = 0; i < count; i++) {
      const base = PROJECT_NAMES[i % PROJECT_NAMES.length] as string;
      const name = i < PROJECT_NAMES.length ? base : `${base}-${Math.floor(i / PROJECT_NAMES.length) + 1}`;
      this.projects.push(
        this.ci.createProject({
          name,
          groupId: group.id,
          description: `The ${name} service`,
          protectedRefs: ['main', 'v*'],
        }),
      );
    }
    return this.projects;
  }

  /** One pipeline on a random ref of a random (or the given) project. */
  createPipeline(project?: Project): Pipeline {
    const projects = this.setUp();
    const target = project ?? this.random.pick(projects);
    const kind = this.random.next();
    const ref =
      kind < 0.45
        ? { ref: 'main', tag: false }
        : kind < 0.85
          ? { ref: `feature/${this.random.pick(FEATURES)}-${this.random.int(1, 999)}`, tag: false }
          : { ref: `v1.${this.random.int(0, 20)}.${this.random.int(0, 9)}`, tag: true };
    const protectedRef = this.ci.isProtectedRef(target, ref.ref);
    const jobs: JobSpec[] = [
      this.job('build', 'compile', ['docker', 'linux'], ['make build']),
      this.job('test', 'unit-tests', ['docker'], ['make test']),
      this.job('test', 'lint', [], ['make lint']),
    ];
    if (this.random.chance(0.5))
      jobs.push(this.job('test', 'integration', ['docker', 'postgres'], ['make integration']));
    if (this.random.chance(0.25)) jobs.push(this.job('test', 'gpu-benchmark', ['gpu'], ['make bench'], true));
    if (this.random.chance(0.2))
      jobs.push(this.job('test', 'ios-build', ['macos'], ['xcodebuild -scheme App'], true));
    if (protectedRef)
      jobs.push(this.job('deploy', 'deploy-production', ['deploy'], ['make deploy ENV=production']));
    return this.ci.createPipeline({ projectId: target.id, ref: ref.ref, tag: ref.tag, jobs });
  }

  /** Creates a pipeline now and then one every `intervalMs`. */
  start(intervalMs: number): void {
    if (!(intervalMs > 0)) throw new Error('intervalMs must be above 0');
    this.stop();
    this.createPipeline();
    this.timer = setInterval(() => this.createPipeline(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private job(stage: string, name: string, tags: string[], script: string[], allowFailure = false): JobSpec {
    const min = this.options.minDurationSeconds ?? 5;
    const max = this.options.maxDurationSeconds ?? 120;
    const failed = this.random.chance(this.options.failureRate ?? 0.1);
    return {
      name,
      stage,
      tags,
      allowFailure,
      image: tags.includes('macos') ? 'macos-14-xcode-15' : 'alpine:3.20',
      script: ['echo "start"', ...script],
      plan: { durationSeconds: this.random.int(min, max), outcome: failed ? 'failed' : 'success' },
    };
  }
}
