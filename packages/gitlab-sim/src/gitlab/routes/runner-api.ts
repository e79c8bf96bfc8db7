/**
 * The API gitlab-runner itself calls (lib/api/ci/runner.rb): verify, token reset, unregistering a runner manager,
 * job requests, trace patches and job updates. Runner requests authenticate with the runner token in the body; an
 * unknown or expired token is a bare 403. Every authenticated call is a heartbeat (contacted_at), and verify, token
 * reset and job requests also create or refresh the runner manager of the `system_id` they send.
 *
 * Job requests answer 201 with the job, or 204 with `X-GitLab-Last-Update` (the runner's queue value; a request
 * that sends the current value back gets 204 at once). Trace patches must continue where the stored trace ends
 * (`Content-Range: start-end`); they answer 202 with `Range: 0-<size>` and `Job-Status`, or 416 with the stored
 * range. Job calls authenticate with the job token (`JOB-TOKEN` header or `token` parameter); a job that is not
 * running answers 403 with its `Job-Status`.
 */
import { bareError, forbidden, notFound } from '../errors.js';
import type { Job } from '../model.js';
import { ParamReader } from '../params.js';
import { jobPayload } from '../presenters.js';
import type { Router, SimReply, SimRequest } from '../router.js';
import { integerPathParam, presenterContext, type SimServices } from '../services.js';
import { registrationDetails, resetTokenResult } from './rest-runners.js';

/** How often GitLab asks a runner to send trace updates, in seconds, when nobody is watching the job. */
const TRACE_UPDATE_INTERVAL = '60';

export function registerRunnerApiRoutes(router: Router, services: SimServices): void {
  const { runners, ci, store } = services;

  const contact = (request: SimRequest) => {
    const info = request.params.info;
    const systemId = request.params.system_id;
    return {
      ip: request.ip,
      ...(typeof systemId === 'string' && systemId !== '' && { systemId }),
      ...(info !== null &&
        typeof info === 'object' &&
        !Array.isArray(info) && { info: info as Record<string, unknown> }),
    };
  };

  router.add('POST', '/runners/verify', (request) => {
    new ParamReader(request.params).require('token').done();
    const runner = runners.authenticate(request.params.token);
    runners.heartbeat(runner, contact(request));
    return { status: 200, json: registrationDetails(runner) };
  });

  router.add('POST', '/runners/reset_authentication_token', (request) => {
    new ParamReader(request.params).require('token').done();
    const runner = runners.authenticate(request.params.token);
    runners.heartbeat(runner, contact(request));
    runners.resetToken(runner);
    return { status: 201, json: resetTokenResult(runner) };
  });

  router.add('DELETE', '/runners/managers', (request) => {
    new ParamReader(request.params).require('token', 'system_id').done();
    const runner = runners.authenticate(request.params.token);
    runners.heartbeat(runner, contact(request), false);
    if (!runners.deleteManager(runner, String(request.params.system_id))) {
      throw notFound('Runner manager not found');
    }
    return { status: 204 };
  });

  router.add('POST', '/jobs/request', (request) => {
    const p = new ParamReader(request.params).require('token');
    const lastUpdate = p.string('last_update');
    p.done();
    const runner = runners.authenticate(request.params.token);
    const manager = runners.heartbeat(runner, contact(request));
    if (runner.paused) return noJob(runner.queueValue);
    if (lastUpdate !== undefined && lastUpdate === runner.queueValue) return noJob(lastUpdate);
    const queueValue = runner.queueValue;
    const job = ci.assignJob(runner, manager);
    if (!job) return noJob(queueValue);
    return { status: 201, json: jobPayload(presenterContext(services, request), job, runner) };
  });

  router.add('PUT', '/jobs/:id', (request) => {
    const id = integerPathParam(request, 'id');
    const p = new ParamReader(request.params).require('token');
    const state = p.string('state');
    const failureReason = p.string('failure_reason');
    p.done();
    const job = authenticateJob(request, id, String(request.params.token));
    if (state === 'success' || state === 'failed') ci.finish(job, state, failureReason);
    else if (state !== undefined && state !== 'running') return jobReply(job, 400);
    return jobReply(job, 200);
  });

  router.add('PATCH', '/jobs/:id/trace', (request) => {
    const id = integerPathParam(request, 'id');
    const header = request.headers['job-token'];
    const token = typeof header === 'string' ? header : request.query.get('token');
    const job = authenticateJob(request, id, token ?? '');
    const range = request.headers['content-range'];
    if (typeof range !== 'string') throw bareError(400, '400 Missing header Content-Range');
    // Like GitLab, only the start of the range counts; the end is implied by the body's length.
    const start = Number.parseInt(range.split('-')[0] ?? '', 10);
    const result = ci.appendTrace(job, Number.isNaN(start) ? 0 : start, request.rawBody);
    if (!result.ok) {
      throw bareError(416, '416 Range Not Satisfiable', { Range: `0-${result.size}` });
    }
    return {
      status: 202,
      headers: {
        'Job-Status': job.status,
        Range: `0-${result.size}`,
        'X-GitLab-Trace-Update-Interval': TRACE_UPDATE_INTERVAL,
      },
    };
  });

  function authenticateJob(request: SimRequest, id: number, token: string): Job {
    const job = store.jobs.get(id);
    if (!job || job.token === null || job.token !== token) throw forbidden();
    if (job.status !== 'running' && job.status !== 'canceling') {
      throw forbidden('Job is not processing on runner', { 'Job-Status': job.status });
    }
    const runner = job.runnerId === null ? undefined : store.runners.get(job.runnerId);
    if (runner) {
      const manager = job.runnerManagerId === null ? undefined : store.managers.get(job.runnerManagerId);
      runners.heartbeat(runner, { ip: request.ip, ...(manager && { systemId: manager.systemId }) });
    }
    return job;
  }
}

function noJob(queueValue: string): SimReply {
  return { status: 204, headers: { 'X-GitLab-Last-Update': queueValue } };
}

function jobReply(job: Job, status: number): SimReply {
  return {
    status,
    headers: { 'Job-Status': job.status, 'X-GitLab-Trace-Update-Interval': TRACE_UPDATE_INTERVAL },
    text: String(status),
  };
}
