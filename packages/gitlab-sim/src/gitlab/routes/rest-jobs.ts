/**
 * The REST jobs API (doc/api/jobs.md): a project's jobs, newest first, filtered by `scope` / `scope[]`, paginated
 * without totals as GitLab does for this list; one job; its log as text/plain. A project is addressed by id or by
 * URL-encoded path; projects are private to the administrator, so for other users they do not exist.
 */
import { notFound } from '../errors.js';
import { JOB_STATUSES, type Project, type User } from '../model.js';
import { paginate } from '../pagination.js';
import { ParamReader } from '../params.js';
import { job as presentJob, projectPath } from '../presenters.js';
import type { Router, SimRequest } from '../router.js';
import { integerPathParam, presenterContext, type SimServices } from '../services.js';

export function registerRestJobRoutes(router: Router, services: SimServices): void {
  const { tokens, store } = services;

  router.add('GET', '/projects/:id/jobs', (request) => {
    const { user } = tokens.authenticate(request);
    const project = findProject(services, request, user);
    const p = new ParamReader(request.params);
    const scope = p.oneOfEach('scope', JOB_STATUSES);
    p.done();
    const jobs = [...store.jobs.values()]
      .filter((j) => j.projectId === project.id)
      .filter((j) => !scope || scope.length === 0 || scope.includes(j.status))
      .sort((a, b) => b.id - a.id);
    const page = paginate(request, jobs, { withoutCount: true });
    const ctx = presenterContext(services, request);
    return { status: 200, headers: page.headers, json: page.items.map((j) => presentJob(ctx, j)) };
  });

  router.add('GET', '/projects/:id/jobs/:job_id', (request) => {
    const { user } = tokens.authenticate(request);
    const project = findProject(services, request, user);
    const job = findJob(services, request, project);
    return { status: 200, json: presentJob(presenterContext(services, request), job) };
  });

  router.add('GET', '/projects/:id/jobs/:job_id/trace', (request) => {
    const { user } = tokens.authenticate(request);
    const project = findProject(services, request, user);
    const job = findJob(services, request, project);
    return {
      status: 200,
      headers: { 'Content-Disposition': `infile; filename="${job.id}.log"` },
      text: job.trace.toString('utf8'),
    };
  });
}

function findProject(services: SimServices, request: SimRequest, user: User): Project {
  const ref = request.pathParams.id ?? '';
  const ctx = presenterContext(services, request);
  const project = /^\d+$/.test(ref)
    ? services.store.project(Number(ref))
    : [...services.store.projects.values()].find((p) => projectPath(ctx, p).path === ref);
  if (!project || !user.admin) throw notFound('Project');
  return project;
}

function findJob(services: SimServices, request: SimRequest, project: Project) {
  const id = integerPathParam(request, 'job_id');
  const job = services.store.jobs.get(id);
  if (!job || job.projectId !== project.id) throw notFound();
  return job;
}
