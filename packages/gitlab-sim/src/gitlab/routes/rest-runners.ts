/**
 * The REST runners API (doc/api/runners.md, doc/api/users.md "Create a runner"): create a runner for the current
 * user, list owned and all runners with GitLab's filters, read, change and delete one, reset its token, and list
 * its managers and jobs. The simulator's groups and projects belong to the administrator, so other users own no
 * runners and may only read instance runners.
 */
import { requireAdmin } from '../access-tokens.js';
import { forbidden, invalidParams } from '../errors.js';
import { ACCESS_LEVELS, JOB_STATUSES, RUNNER_TYPES, type Runner, type User } from '../model.js';
import { paginate } from '../pagination.js';
import { ParamReader } from '../params.js';
import { jobWithProject, runner as presentRunner, runnerDetails, runnerManager } from '../presenters.js';
import type { Router, SimReply, SimRequest } from '../router.js';
import type { RunnerSettings } from '../runners.js';
import { integerPathParam, presenterContext, type SimServices } from '../services.js';

const STATUS_FILTERS = ['active', 'paused', 'online', 'offline', 'never_contacted', 'stale'] as const;
const ALL_SCOPES = ['specific', 'shared', ...RUNNER_TYPES, ...STATUS_FILTERS] as const;
/** `/runners/:id...` also accept tokens with the `manage_runner` scope. */
const MANAGE_RUNNER = { extraScopes: ['manage_runner'] };

export function registerRestRunnerRoutes(router: Router, services: SimServices): void {
  const { tokens, runners, store } = services;

  router.add('POST', '/user/runners', (request) => {
    const { user } = tokens.authenticate(request, { extraScopes: ['create_runner'] });
    const p = new ParamReader(request.params).require('runner_type');
    const runnerType = p.oneOf('runner_type', RUNNER_TYPES);
    if (runnerType === 'group_type') p.require('group_id');
    if (runnerType === 'project_type') p.require('project_id');
    const groupId = p.integer('group_id');
    const projectId = p.integer('project_id');
    const settings = readSettings(p);
    const expiresText = p.string('token_expires_at');
    const tokenExpiresAt = expiresText === undefined ? undefined : new Date(expiresText);
    if (tokenExpiresAt && Number.isNaN(tokenExpiresAt.getTime()))
      throw invalidParams(['token_expires_at is invalid']);
    p.done();
    const created = runners.create(user, {
      ...settings,
      runnerType: runnerType as NonNullable<typeof runnerType>,
      ...(groupId !== undefined && { groupId }),
      ...(projectId !== undefined && { projectId }),
      ...(tokenExpiresAt !== undefined && { tokenExpiresAt }),
    });
    return { status: 201, json: registrationDetails(created) };
  });

  router.add('GET', '/runners', (request) => {
    const { user } = tokens.authenticate(request);
    const owned = [...store.runners.values()].filter((r) => ownsRunner(user, r));
    return listRunners(request, services, owned, [
      'active',
      'paused',
      'online',
      'offline',
      'never_contacted',
      'stale',
    ]);
  });

  router.add('GET', '/runners/all', (request) => {
    const { user } = tokens.authenticate(request);
    requireAdmin(user);
    return listRunners(request, services, [...store.runners.values()], ALL_SCOPES);
  });

  router.add('GET', '/runners/:id', (request) => {
    const { user } = tokens.authenticate(request, MANAGE_RUNNER);
    const runner = runners.get(integerPathParam(request, 'id'));
    authorizeShow(user, runner);
    return { status: 200, json: runnerDetails(presenterContext(services, request), runner) };
  });

  router.add('PUT', '/runners/:id', (request) => {
    const { user } = tokens.authenticate(request, MANAGE_RUNNER);
    const id = integerPathParam(request, 'id');
    const p = new ParamReader(request.params)
      .atLeastOneOf(
        'description',
        'active',
        'paused',
        'tag_list',
        'run_untagged',
        'locked',
        'access_level',
        'maximum_timeout',
        'maintenance_note',
      )
      .mutuallyExclusive('active', 'paused');
    const settings = readSettings(p);
    const active = p.boolean('active');
    p.done();
    const runner = runners.get(id);
    authorizeChange(user);
    runners.update(runner, active === undefined ? settings : { ...settings, paused: !active });
    return { status: 200, json: runnerDetails(presenterContext(services, request), runner) };
  });

  router.add('DELETE', '/runners/:id', (request) => {
    const { user } = tokens.authenticate(request, MANAGE_RUNNER);
    const runner = runners.get(integerPathParam(request, 'id'));
    authorizeChange(user);
    runners.delete(runner);
    return { status: 204 };
  });

  router.add('POST', '/runners/:id/reset_authentication_token', (request) => {
    const { user } = tokens.authenticate(request, MANAGE_RUNNER);
    const runner = runners.get(integerPathParam(request, 'id'));
    authorizeChange(user);
    runners.resetToken(runner);
    return { status: 201, json: resetTokenResult(runner) };
  });

  router.add('GET', '/runners/:id/managers', (request) => {
    const { user } = tokens.authenticate(request, MANAGE_RUNNER);
    const runner = runners.get(integerPathParam(request, 'id'));
    authorizeShow(user, runner);
    const ctx = presenterContext(services, request);
    const managers = store.managersOf(runner.id).sort((a, b) => a.id - b.id);
    return { status: 200, json: managers.map((m) => runnerManager(ctx, m)) };
  });

  router.add('GET', '/runners/:id/jobs', (request) => {
    const { user } = tokens.authenticate(request, MANAGE_RUNNER);
    const id = integerPathParam(request, 'id');
    const p = new ParamReader(request.params);
    const systemId = p.string('system_id');
    const status = p.oneOf('status', JOB_STATUSES);
    p.oneOf('order_by', ['id']);
    const sort = p.oneOf('sort', ['asc', 'desc']) ?? 'desc';
    p.done();
    const runner = runners.get(id);
    if (!user.admin) throw forbidden('No access granted');
    const manager = systemId ? store.managersOf(runner.id).find((m) => m.systemId === systemId) : undefined;
    const jobs = [...store.jobs.values()]
      .filter((j) => j.runnerId === runner.id)
      .filter((j) => status === undefined || j.status === status)
      .filter((j) => !systemId || (manager !== undefined && j.runnerManagerId === manager.id))
      .sort((a, b) => (sort === 'asc' ? a.id - b.id : b.id - a.id));
    // GitLab does not count the jobs of one manager (system_id), so that page has no totals.
    const page = paginate(request, jobs, { withoutCount: Boolean(systemId), defaults: { sort: 'desc' } });
    const ctx = presenterContext(services, request);
    return { status: 200, headers: page.headers, json: page.items.map((j) => jobWithProject(ctx, j)) };
  });
}

/** RunnerRegistrationDetails, the answer of POST /user/runners and of the runner API's verify. */
export function registrationDetails(runner: Runner): Record<string, unknown> {
  return {
    id: runner.id,
    token: runner.token,
    token_expires_at: runner.tokenExpiresAt?.toISOString() ?? null,
  };
}

export function resetTokenResult(runner: Runner): Record<string, unknown> {
  return { token: runner.token, token_expires_at: runner.tokenExpiresAt?.toISOString() ?? null };
}

function readSettings(p: ParamReader): RunnerSettings {
  const settings: {
    -readonly [K in keyof RunnerSettings]: RunnerSettings[K];
  } = {};
  const description = p.string('description');
  if (description !== undefined) settings.description = description;
  const paused = p.boolean('paused');
  if (paused !== undefined) settings.paused = paused;
  const locked = p.boolean('locked');
  if (locked !== undefined) settings.locked = locked;
  const runUntagged = p.boolean('run_untagged');
  if (runUntagged !== undefined) settings.runUntagged = runUntagged;
  const tagList = p.commaList('tag_list');
  if (tagList !== undefined) settings.tagList = tagList;
  const accessLevel = p.oneOf('access_level', ACCESS_LEVELS);
  if (accessLevel !== undefined) settings.accessLevel = accessLevel;
  const maximumTimeout = p.integer('maximum_timeout');
  if (maximumTimeout !== undefined) settings.maximumTimeout = maximumTimeout;
  const maintenanceNote = p.string('maintenance_note');
  if (maintenanceNote !== undefined) settings.maintenanceNote = maintenanceNote;
  return settings;
}

function listRunners(
  request: SimRequest,
  services: SimServices,
  candidates: Runner[],
  scopes: readonly string[],
): SimReply {
  const { runners } = services;
  const p = new ParamReader(request.params);
  const scope = p.oneOf('scope', scopes);
  const type = p.oneOf('type', RUNNER_TYPES);
  const status = p.oneOf('status', STATUS_FILTERS);
  const paused = p.boolean('paused');
  const tagList = p.commaList('tag_list');
  const versionPrefix = p.string('version_prefix');
  p.done();
  const matchesStatus = (runner: Runner, wanted: string): boolean => {
    switch (wanted) {
      case 'specific':
        return runner.runnerType !== 'instance_type';
      case 'shared':
        return runner.runnerType === 'instance_type';
      case 'active':
        return !runner.paused;
      case 'paused':
        return runner.paused;
      case 'online':
        return runners.online(runner.contactedAt);
      case 'offline':
        return runner.contactedAt !== null && !runners.online(runner.contactedAt);
      case 'never_contacted':
        return runner.contactedAt === null;
      case 'stale':
        return runners.status(runner) === 'stale';
      default:
        return runner.runnerType === wanted;
    }
  };
  const filtered = candidates
    .filter((r) => scope === undefined || matchesStatus(r, scope))
    .filter((r) => type === undefined || r.runnerType === type)
    .filter((r) => status === undefined || matchesStatus(r, status))
    .filter((r) => paused === undefined || r.paused === paused)
    .filter((r) => tagList === undefined || tagList.every((t) => r.tagList.includes(t)))
    .filter(
      (r) =>
        versionPrefix === undefined ||
        services.store.managersOf(r.id).some((m) => m.version?.startsWith(versionPrefix) ?? false),
    )
    .sort((a, b) => a.id - b.id);
  const page = paginate(request, filtered);
  const ctx = presenterContext(services, request);
  return { status: 200, headers: page.headers, json: page.items.map((r) => presentRunner(ctx, r)) };
}

/** The administrator owns every simulated group and project, hence their runners; nobody owns instance runners. */
function ownsRunner(user: User, runner: Runner): boolean {
  return user.admin && runner.runnerType !== 'instance_type';
}

function authorizeShow(user: User, runner: Runner): void {
  if (runner.runnerType === 'instance_type' || user.admin) return;
  throw forbidden('No access granted');
}

function authorizeChange(user: User): void {
  if (!user.admin) throw forbidden('No access granted');
}
