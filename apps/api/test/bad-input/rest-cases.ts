/**
 * Bad REST input: bodies, content types, encodings, sizes, path params and query strings for every route that
 * takes them. Every case must be answered 4xx problem+json and leave the database as it was; none of them may
 * get as far as GitLab (the bodies are all invalid before that step).
 */
import { randomUUID } from 'node:crypto';
import {
  OVER_BODY_LIMIT,
  deepArray,
  deepObject,
  deepTomlValue,
  invalidUtf8Json,
  jsonWith,
  streamedOversizedBody,
  tamperedCursor,
} from './payloads.js';
import type { HttpCase, HttpExpect, HttpRequest, Seed } from './types.js';

const invalid = (path?: string): HttpExpect => ({
  status: 400,
  code: 'validation_failed',
  ...(path !== undefined && { path }),
});
const malformed: HttpExpect = { status: 400, code: 'malformed_json', path: 'body' };
const unsupported: HttpExpect = { status: 415, code: 'unsupported_media_type' };
const tooLarge: HttpExpect = { status: 413, code: 'payload_too_large' };
const notFound: HttpExpect = { status: 404, code: 'not_found' };
const unauthorized: HttpExpect = { status: 401, code: 'unauthorized' };
const forbidden: HttpExpect = { status: 403, code: 'forbidden' };

const c = (name: string, request: HttpRequest, expect: HttpExpect): HttpCase => ({
  kind: 'http',
  name,
  request,
  expect,
});
const JSON_TYPE = { 'content-type': 'application/json' };

export function restCases(seed: Seed): HttpCase[] {
  const { gitlabInstanceId, machineId, runnerId, userId, unknownId } = seed;
  const runners = '/api/v1/runners';
  const machine = `/api/v1/machines/${machineId}`;
  const token = `/api/v1/runners/${runnerId}/token`;
  const instances = '/api/v1/gitlab-instances';
  const scopes = `${instances}/${gitlabInstanceId}/watched-scopes`;

  /** A registration that is valid but for what a case changes; none reaches GitLab. */
  const registration = (over: Record<string, unknown> = {}) => ({
    gitlabInstanceId,
    runnerType: 'instance_type',
    tags: ['docker'],
    executor: { name: 'docker', settings: { docker: { image: 'alpine:3.20' } } },
    machines: { ids: [machineId] },
    ...over,
  });
  const register = (name: string, json: unknown, expect: HttpExpect) =>
    c(`register runner: ${name}`, { method: 'POST', url: runners, json }, expect);
  const limits = (name: string, json: unknown, expect: HttpExpect) =>
    c(`token limits: ${name}`, { method: 'PATCH', url: token, json }, expect);
  const labels = (name: string, json: unknown, expect: HttpExpect) =>
    c(`machine labels: ${name}`, { method: 'PATCH', url: machine, json }, expect);
  const instance = (name: string, json: unknown, expect: HttpExpect) =>
    c(`gitlab instance: ${name}`, { method: 'POST', url: instances, json }, expect);
  const get = (name: string, url: string, expect: HttpExpect) => c(name, { method: 'GET', url }, expect);

  return [
    // ---- POST /runners: the body with the most fields, several of which reach config.toml
    register('empty object', {}, invalid('body.gitlabInstanceId')),
    register('an array instead of an object', [registration()], invalid('body')),
    register('null', null, invalid('body')),
    register(
      'gitlabInstanceId of the wrong type',
      registration({ gitlabInstanceId: 42 }),
      invalid('body.gitlabInstanceId'),
    ),
    register('unknown top-level field', registration({ privileged: true }), invalid('body.privileged')),
    register(
      'description over 1024 characters',
      registration({ description: 'd'.repeat(1025) }),
      invalid('body.description'),
    ),
    register('a tag with a comma', registration({ tags: ['docker,linux'] }), invalid('body.tags.0')),
    register(
      '51 tags',
      registration({ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }),
      invalid('body.tags'),
    ),
    register('tags as an object', registration({ tags: { docker: true } }), invalid('body.tags')),
    register(
      'unknown executor',
      registration({ executor: { name: 'ssh', settings: {} } }),
      invalid('body.executor'),
    ),
    register(
      'executor settings as an array',
      registration({ executor: { name: 'docker', settings: [{ docker: { image: 'x' } }] } }),
      invalid('body.executor.settings'),
    ),
    register(
      'executor settings set the token',
      registration({
        executor: { name: 'docker', settings: { docker: { image: 'x' }, token: 'glrt-mine' } },
      }),
      invalid('body.executor.settings.token'),
    ),
    register(
      'executor settings with a key gitlab-runner does not know',
      registration({ executor: { name: 'docker', settings: { docker: { image: 'x' }, privileged: true } } }),
      invalid('body.executor.settings.privileged'),
    ),
    register(
      'docker image empty after trimming',
      registration({ executor: { name: 'docker', settings: { docker: { image: ' \n ' } } } }),
      invalid('body.executor.settings.docker.image'),
    ),
    register(
      'docker volumes of the wrong type',
      registration({ executor: { name: 'docker', settings: { docker: { image: 'x', volumes: '/cache' } } } }),
      invalid('body.executor.settings.docker.volumes'),
    ),
    register(
      'a TOML value in extra that collides with a known key',
      registration({
        executor: {
          name: 'docker',
          settings: { docker: { image: 'x', extra: { privileged: { type: 'boolean', value: true } } } },
        },
      }),
      invalid('body.executor.settings.docker.privileged'),
    ),
    c(
      'register runner: a TOML value nested 5,000 levels deep in executor settings',
      {
        method: 'POST',
        url: runners,
        headers: JSON_TYPE,
        body: jsonWith(
          registration({
            executor: { name: 'docker', settings: { docker: { image: 'x' }, extra: { foo: '@deep' } } },
          }),
          '@deep',
          deepTomlValue(5_000),
        ),
      },
      invalid('body.executor.settings'),
    ),
    c(
      'register runner: 10,000 nested arrays as the body',
      { method: 'POST', url: runners, headers: JSON_TYPE, body: deepArray(10_000) },
      invalid('body'),
    ),
    c(
      'register runner: 10,000 nested objects in executor settings',
      {
        method: 'POST',
        url: runners,
        headers: JSON_TYPE,
        body: jsonWith(
          registration({ executor: { name: 'docker', settings: { docker: { image: 'x', deep: '@deep' } } } }),
          '@deep',
          deepObject(10_000),
        ),
      },
      invalid('body.executor.settings.docker.deep'),
    ),
    c(
      'register runner: maximumTimeout 1e309 (infinite)',
      {
        method: 'POST',
        url: runners,
        headers: JSON_TYPE,
        body: jsonWith(registration({ maximumTimeout: '@n' }), '@n', '1e309'),
      },
      invalid('body.maximumTimeout'),
    ),
    register(
      'maximumTimeout 2^53',
      registration({ maximumTimeout: 2 ** 53 }),
      invalid('body.maximumTimeout'),
    ),
    register('maximumTimeout -1', registration({ maximumTimeout: -1 }), invalid('body.maximumTimeout')),
    register(
      'maximumTimeout as a string',
      registration({ maximumTimeout: '3600' }),
      invalid('body.maximumTimeout'),
    ),
    register('limit 0', registration({ limits: { limit: 0 } }), invalid('body.limits.limit')),
    register(
      'an unlimited fleet budget',
      registration({ limits: { limitMode: 'fleet_budget', limit: null } }),
      invalid('body.limits.limit'),
    ),
    register(
      'machines by ids and labels at once',
      registration({ machines: { ids: [machineId], labels: ['pool=docker'] } }),
      invalid('body.machines'),
    ),
    register(
      'machine ids that are not UUIDs',
      registration({ machines: { ids: ['host-1'] } }),
      invalid('body.machines.ids.0'),
    ),
    register(
      'a machine id that names nothing',
      registration({ machines: { ids: [unknownId] } }),
      invalid('body.machines.ids.0'),
    ),
    register(
      'a label selector with spaces',
      registration({ machines: { labels: ['Pool = docker'] } }),
      invalid('body.machines.labels.0'),
    ),
    register(
      'a GitLab instance that does not exist',
      registration({ gitlabInstanceId: unknownId }),
      invalid('body.gitlabInstanceId'),
    ),
    register(
      'a group runner without its group',
      registration({ runnerType: 'group_type' }),
      invalid('body.groupId'),
    ),
    register('groupId 0', registration({ runnerType: 'group_type', groupId: 0 }), invalid('body.groupId')),
    register(
      'projectId 2^31 (beyond the column)',
      registration({ runnerType: 'project_type', projectId: 2 ** 31 }),
      invalid('body.projectId'),
    ),
    register('no tags and no untagged jobs', registration({ tags: [] }), invalid('body.runUntagged')),
    register(
      'registrationId not a UUID',
      registration({ registrationId: 'r-1' }),
      invalid('body.registrationId'),
    ),
    register(
      'a NUL character in the description',
      registration({ description: 'ci\u0000runner' }),
      invalid('body.description'),
    ),
    register(
      'a lone UTF-16 surrogate in the description',
      registration({ description: 'ci\ud800runner' }),
      invalid('body.description'),
    ),
    c(
      'register runner: text/plain',
      {
        method: 'POST',
        url: runners,
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(registration()),
      },
      unsupported,
    ),
    c(
      'register runner: truncated JSON',
      { method: 'POST', url: runners, headers: JSON_TYPE, body: '{"gitlabInstanceId":' },
      malformed,
    ),
    c(
      'register runner: invalid UTF-8',
      { method: 'POST', url: runners, headers: JSON_TYPE, body: invalidUtf8Json('description') },
      malformed,
    ),

    // ---- PATCH /runners/:id/token
    limits('empty object', {}, invalid('body')),
    limits('limit -1', { limit: -1 }, invalid('body.limit')),
    limits('limit 1.5', { limit: 1.5 }, invalid('body.limit')),
    limits('limit as a string', { limit: '5' }, invalid('body.limit')),
    limits('limit 2^53', { limit: 2 ** 53 }, invalid('body.limit')),
    c(
      'token limits: limit 1e309 (infinite)',
      { method: 'PATCH', url: token, headers: JSON_TYPE, body: '{"limit":1e309}' },
      invalid('body.limit'),
    ),
    limits('requestConcurrency 1001', { requestConcurrency: 1001 }, invalid('body.requestConcurrency')),
    limits('unknown limit mode', { limitMode: 'per_token' }, invalid('body.limitMode')),
    limits('overrides as an object', { overrides: { [machineId]: 2 } }, invalid('body.overrides')),
    limits(
      'an override machine that is not a UUID',
      { overrides: [{ machineId: 'x', limit: 1 }] },
      invalid('body.overrides.0.machineId'),
    ),
    limits('unknown field', { limit: 2, burst: 3 }, invalid('body.burst')),
    c('token limits: empty body', { method: 'PATCH', url: token, headers: JSON_TYPE, body: '' }, malformed),
    c(
      'token limits: a runner that does not exist',
      { method: 'PATCH', url: `/api/v1/runners/${unknownId}/token`, json: { limit: 2 } },
      notFound,
    ),
    c(
      'token limits: runner id not a UUID',
      { method: 'PATCH', url: '/api/v1/runners/42/token', json: { limit: 2 } },
      invalid('params.id'),
    ),

    // ---- PATCH /machines/:id
    labels('an upper-case label key', { labels: { Pool: 'docker' } }, invalid('body.labels')),
    labels(
      'a label value over 255 characters',
      { labels: { pool: 'x'.repeat(256) } },
      invalid('body.labels.pool'),
    ),
    labels(
      '65 labels',
      { labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
      invalid('body.labels'),
    ),
    labels('labels as an array', { labels: ['pool=docker'] }, invalid('body.labels')),
    labels('labels null', { labels: null }, invalid('body.labels')),
    labels('a label value that is a number', { labels: { cpus: 8 } }, invalid('body.labels.cpus')),
    labels(
      'a NUL character in a label value',
      { labels: { pool: 'doc\u0000ker' } },
      invalid('body.labels.pool'),
    ),
    labels('a TOML header in a label key', { labels: { '[[runners]]': 'x' } }, invalid('body.labels')),
    c(
      'machine labels: prototype pollution through __proto__',
      {
        method: 'PATCH',
        url: machine,
        headers: JSON_TYPE,
        body: '{"labels":{"a":"b"},"__proto__":{"admin":true}}',
      },
      malformed,
    ),
    c(
      'machine labels: form-urlencoded',
      {
        method: 'PATCH',
        url: machine,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'labels[pool]=docker',
      },
      unsupported,
    ),
    c(
      'machine labels: streamed body over the limit',
      { method: 'PATCH', url: machine, headers: JSON_TYPE, body: streamedOversizedBody },
      tooLarge,
    ),
    c(
      'machine labels: a machine that does not exist',
      { method: 'PATCH', url: `/api/v1/machines/${unknownId}`, json: { labels: {} } },
      notFound,
    ),

    // ---- GitLab instances and watched scopes
    instance('missing fields', { name: 'GitLab' }, invalid('body.url')),
    instance(
      'an ftp URL',
      { name: 'G', url: 'ftp://gitlab.example.com', accessToken: 'glpat-0123456789' },
      invalid('body.url'),
    ),
    instance(
      'a URL with credentials',
      { name: 'G', url: 'https://root:pw@gitlab.example.com', accessToken: 'glpat-0123456789' },
      invalid('body.url'),
    ),
    instance(
      'a URL carrying a TOML table',
      {
        name: 'G',
        url: 'https://gitlab.example.com/"\n[[runners]]\ntoken = "x',
        accessToken: 'glpat-0123456789',
      },
      invalid('body.url'),
    ),
    instance(
      'a URL with a space',
      { name: 'G', url: 'https://gitlab.example.com/a b', accessToken: 'glpat-0123456789' },
      invalid('body.url'),
    ),
    instance(
      'an access token with a space',
      { name: 'G', url: 'https://gitlab.example.com', accessToken: 'glpat 0123456789' },
      invalid('body.accessToken'),
    ),
    instance(
      'an access token too short',
      { name: 'G', url: 'https://gitlab.example.com', accessToken: 'x' },
      invalid('body.accessToken'),
    ),
    instance(
      'a blank name',
      { name: '   ', url: 'https://gitlab.example.com', accessToken: 'glpat-0123456789' },
      invalid('body.name'),
    ),
    c(
      'gitlab instance: multipart form',
      {
        method: 'POST',
        url: instances,
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body: '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nG\r\n--x--\r\n',
      },
      unsupported,
    ),
    c(
      'gitlab instance: invalid UTF-8',
      { method: 'POST', url: instances, headers: JSON_TYPE, body: invalidUtf8Json('name') },
      malformed,
    ),
    c(
      'gitlab instance: update with nothing',
      { method: 'PATCH', url: `${instances}/${gitlabInstanceId}`, json: {} },
      invalid('body'),
    ),
    c(
      'gitlab instance: update one that does not exist',
      { method: 'PATCH', url: `${instances}/${unknownId}`, json: { name: 'G' } },
      notFound,
    ),
    c(
      'gitlab instance: delete with an id that is not a UUID',
      { method: 'DELETE', url: `${instances}/gitlab` },
      invalid('params.id'),
    ),
    c(
      'gitlab instance: sync one that does not exist',
      { method: 'POST', url: `${instances}/${unknownId}/sync` },
      notFound,
    ),
    c(
      'watched scope: gitlabId 2^31',
      { method: 'POST', url: scopes, json: { kind: 'project', gitlabId: 2 ** 31 } },
      invalid('body.gitlabId'),
    ),
    c(
      'watched scope: gitlabId 0',
      { method: 'POST', url: scopes, json: { kind: 'project', gitlabId: 0 } },
      invalid('body.gitlabId'),
    ),
    c(
      'watched scope: unknown kind',
      { method: 'POST', url: scopes, json: { kind: 'user', gitlabId: 1 } },
      invalid('body.kind'),
    ),
    c(
      'watched scope: a NUL character in the path',
      { method: 'POST', url: scopes, json: { kind: 'project', gitlabId: 7, fullPath: 'group/\u0000' } },
      invalid('body.fullPath'),
    ),
    c(
      'watched scope: a GitLab that does not exist',
      {
        method: 'POST',
        url: `${instances}/${unknownId}/watched-scopes`,
        json: { kind: 'project', gitlabId: 7 },
      },
      notFound,
    ),
    c(
      'watched scope: delete with a scope id that is not a UUID',
      { method: 'DELETE', url: `${scopes}/..%2F..` },
      invalid('params.scopeId'),
    ),

    // ---- enrollment, agents' credentials, API and display tokens, people
    c(
      'enrollment token: maxUses 0',
      { method: 'POST', url: '/api/v1/enrollment-tokens', json: { name: 'e', maxUses: 0 } },
      invalid('body.maxUses'),
    ),
    c(
      'enrollment token: maxUses 100,001',
      { method: 'POST', url: '/api/v1/enrollment-tokens', json: { name: 'e', maxUses: 100_001 } },
      invalid('body.maxUses'),
    ),
    c(
      'enrollment token: expiresAt in words',
      { method: 'POST', url: '/api/v1/enrollment-tokens', json: { name: 'e', expiresAt: 'tomorrow' } },
      invalid('body.expiresAt'),
    ),
    c(
      'enrollment token: expiresAt in year 0',
      {
        method: 'POST',
        url: '/api/v1/enrollment-tokens',
        json: { name: 'e', expiresAt: '0000-01-01T00:00:00Z' },
      },
      invalid('body.expiresAt'),
    ),
    c(
      'enrollment token: truncated JSON',
      { method: 'POST', url: '/api/v1/enrollment-tokens', headers: JSON_TYPE, body: '{"name":' },
      malformed,
    ),
    c(
      'enrollment token: revoke one that does not exist',
      { method: 'DELETE', url: `/api/v1/enrollment-tokens/${unknownId}` },
      notFound,
    ),
    c(
      'enroll: token too short',
      {
        method: 'POST',
        url: '/api/v1/agent/enroll',
        headers: { authorization: null },
        json: { token: 'short', hostname: 'h' },
      },
      invalid('body.token'),
    ),
    c(
      'enroll: a malformed system_id',
      {
        method: 'POST',
        url: '/api/v1/agent/enroll',
        headers: { authorization: null },
        json: { token: 'x'.repeat(32), hostname: 'h', systemId: 's_1' },
      },
      invalid('body.systemId'),
    ),
    c(
      'enroll: an empty hostname',
      {
        method: 'POST',
        url: '/api/v1/agent/enroll',
        headers: { authorization: null },
        json: { token: 'x'.repeat(32), hostname: ' ' },
      },
      invalid('body.hostname'),
    ),
    c(
      'enroll: a token nobody issued',
      {
        method: 'POST',
        url: '/api/v1/agent/enroll',
        headers: { authorization: null },
        json: { token: `pde_${'x'.repeat(40)}`, hostname: 'h' },
      },
      unauthorized,
    ),
    c(
      'agent credentials: revoke for a machine id that is not a UUID',
      { method: 'DELETE', url: '/api/v1/machines/%00/credentials' },
      invalid('params.id'),
    ),
    c(
      'API token: unknown scope',
      { method: 'POST', url: '/api/v1/api-tokens', json: { name: 't', scope: 'admin' } },
      invalid('body.scope'),
    ),
    c(
      'API token: name over 100 characters',
      { method: 'POST', url: '/api/v1/api-tokens', json: { name: 'n'.repeat(101), scope: 'read' } },
      invalid('body.name'),
    ),
    c(
      'API token: expiresAt in year 0',
      {
        method: 'POST',
        url: '/api/v1/api-tokens',
        json: { name: 't', scope: 'read', expiresAt: '0000-01-01T00:00:00Z' },
      },
      invalid('body.expiresAt'),
    ),
    c(
      'API token: revoke one that does not exist',
      { method: 'DELETE', url: `/api/v1/api-tokens/${unknownId}` },
      notFound,
    ),
    c(
      'display token: name of the wrong type',
      { method: 'POST', url: '/api/v1/display-tokens', json: { name: 7 } },
      invalid('body.name'),
    ),
    c(
      'display token: a NUL character in the name',
      { method: 'POST', url: '/api/v1/display-tokens', json: { name: 'wall\u0000' } },
      invalid('body.name'),
    ),
    c(
      'display token: invalid UTF-8',
      { method: 'POST', url: '/api/v1/display-tokens', headers: JSON_TYPE, body: invalidUtf8Json('name') },
      malformed,
    ),
    c(
      'display token: no content type',
      { method: 'POST', url: '/api/v1/display-tokens', body: '{"name":"wall"}' },
      unsupported,
    ),
    c(
      'display token: body over the limit',
      {
        method: 'POST',
        url: '/api/v1/display-tokens',
        headers: JSON_TYPE,
        body: JSON.stringify({ name: 'x'.repeat(OVER_BODY_LIMIT) }),
      },
      tooLarge,
    ),
    c(
      'display token: 100,000 nested arrays',
      { method: 'POST', url: '/api/v1/display-tokens', headers: JSON_TYPE, body: deepArray(100_000) },
      invalid('body'),
    ),
    c(
      'display token: constructor.prototype pollution',
      {
        method: 'POST',
        url: '/api/v1/display-tokens',
        headers: JSON_TYPE,
        body: '{"name":"w","constructor":{"prototype":{"admin":true}}}',
      },
      malformed,
    ),
    c(
      'user: not an email',
      { method: 'POST', url: '/api/v1/users', json: { email: 'root', role: 'viewer' } },
      invalid('body.email'),
    ),
    c(
      'user: unknown role',
      { method: 'POST', url: '/api/v1/users', json: { email: 'a@example.test', role: 'root' } },
      invalid('body.role'),
    ),
    c(
      'user: password of 11 characters',
      {
        method: 'POST',
        url: '/api/v1/users',
        json: { email: 'a@example.test', role: 'viewer', password: 'x'.repeat(11) },
      },
      invalid('body.password'),
    ),
    c(
      'user: password of 10 KB',
      {
        method: 'POST',
        url: '/api/v1/users',
        json: { email: 'a@example.test', role: 'viewer', password: 'x'.repeat(10_240) },
      },
      invalid('body.password'),
    ),
    c(
      'user: update with nothing',
      { method: 'PATCH', url: `/api/v1/users/${userId}`, json: {} },
      invalid('body'),
    ),
    c(
      'user: update one that does not exist',
      { method: 'PATCH', url: `/api/v1/users/${unknownId}`, json: { role: 'viewer' } },
      notFound,
    ),
    c(
      'user: invite with an id that is not a UUID',
      { method: 'POST', url: '/api/v1/users/me/invite' },
      invalid('params.id'),
    ),
    c(
      'setup: token too short',
      {
        method: 'POST',
        url: '/api/v1/auth/setup',
        headers: { authorization: null },
        json: { token: 't', email: 'a@example.test', password: 'x'.repeat(12) },
      },
      invalid('body.token'),
    ),
    c(
      'invite: password too short',
      {
        method: 'POST',
        url: '/api/v1/auth/invite',
        headers: { authorization: null },
        json: { token: 'x'.repeat(32), password: 'short' },
      },
      invalid('body.password'),
    ),
    c(
      'password change: new password too short',
      { method: 'POST', url: '/api/v1/auth/password', json: { currentPassword: 'x', newPassword: 'y' } },
      invalid('body.newPassword'),
    ),

    // ---- revisions, drain, lifecycle: path params
    get('revision number 0', `${machine}/revisions/0`, invalid('params.number')),
    get('revision number that is not a number', `${machine}/revisions/latest`, invalid('params.number')),
    get(
      'revision number 2^31 (beyond the column)',
      `${machine}/revisions/2147483648`,
      invalid('params.number'),
    ),
    get('revision number 1e309', `${machine}/revisions/1e309`, invalid('params.number')),
    get('revision diff against 0', `${machine}/revisions/1/diff?against=0`, invalid('query.against')),
    get(
      'revision diff against 2^31',
      `${machine}/revisions/1/diff?against=2147483648`,
      invalid('query.against'),
    ),
    get(
      'revision diff with an unknown query field',
      `${machine}/revisions/1/diff?context=3`,
      invalid('query.context'),
    ),
    c(
      'rollback on a machine that does not exist',
      { method: 'POST', url: `/api/v1/machines/${unknownId}/revisions/1/rollback` },
      notFound,
    ),
    c(
      'restore on a machine that does not exist',
      { method: 'POST', url: `/api/v1/machines/${unknownId}/restore` },
      notFound,
    ),
    c(
      'drain with a machine id that is not a UUID',
      { method: 'POST', url: '/api/v1/machines/all/drain' },
      invalid('params.id'),
    ),
    c(
      'pause with a runner id that is a path',
      { method: 'POST', url: '/api/v1/runners/..%2F..%2Fetc%2Fpasswd/pause' },
      invalid('params.id'),
    ),
    c(
      'rotate a runner that does not exist',
      { method: 'POST', url: `/api/v1/runners/${unknownId}/rotate-token` },
      notFound,
    ),
    c(
      'adopt with an empty body',
      { method: 'POST', url: `/api/v1/runners/${runnerId}/adopt`, json: {} },
      invalid('body.executor'),
    ),
    c(
      'delete a runner with a NUL id',
      { method: 'DELETE', url: '/api/v1/runners/%00' },
      invalid('params.id'),
    ),
    get('a 300-character machine id', `/api/v1/machines/${'a'.repeat(300)}`, {
      status: 414,
      code: 'validation_failed',
    }),
    get('a machine id that is not valid percent-encoding', '/api/v1/machines/%E0%A4%A', invalid()),
    get(
      'an upper-case non-UUID id',
      `/api/v1/machines/${randomUUID().toUpperCase().replace(/-/g, '')}`,
      invalid('params.id'),
    ),
    c('a method no route has', { method: 'PUT', url: machine, json: { labels: {} } }, notFound),

    // ---- query strings
    get('machines: limit 0', '/api/v1/machines?limit=0', invalid('query.limit')),
    get('machines: limit 10,000', '/api/v1/machines?limit=10000', invalid('query.limit')),
    get('machines: limit -1', '/api/v1/machines?limit=-1', invalid('query.limit')),
    get('machines: limit 1e309', '/api/v1/machines?limit=1e309', invalid('query.limit')),
    get('machines: limit in words', '/api/v1/machines?limit=fifty', invalid('query.limit')),
    get('machines: limit repeated', '/api/v1/machines?limit=1&limit=2', invalid('query.limit')),
    get('machines: unknown status', '/api/v1/machines?status=unknown', invalid('query.status')),
    get('machines: unknown sort', '/api/v1/machines?sort=random()', invalid('query.sort')),
    get(
      'machines: a label selector with upper case',
      '/api/v1/machines?label=Pool%3Ddocker',
      invalid('query.label'),
    ),
    get('machines: a garbage cursor', '/api/v1/machines?cursor=not-a-cursor', invalid('query.cursor')),
    get(
      'machines: a cursor over 512 characters',
      `/api/v1/machines?cursor=${'c'.repeat(600)}`,
      invalid('query.cursor'),
    ),
    get(
      'machines: a cursor from another sort',
      `/api/v1/machines?sort=-hostname&cursor=${tamperedCursor.machinesBadId()}`,
      invalid('query.cursor'),
    ),
    get(
      'machines: a tampered cursor holding no time',
      `/api/v1/machines?sort=lastSeenAt&cursor=${tamperedCursor.machinesBadTime(machineId)}`,
      invalid('query.cursor'),
    ),
    get(
      'machines: a tampered cursor holding no UUID',
      `/api/v1/machines?cursor=${tamperedCursor.machinesBadId()}`,
      invalid('query.cursor'),
    ),
    get('machines: a NUL character in the search', '/api/v1/machines?q=host%00', invalid('query.q')),
    get(
      'machines: a search over 200 characters',
      `/api/v1/machines?q=${'q'.repeat(201)}`,
      invalid('query.q'),
    ),
    get('runners: unknown status', '/api/v1/runners?status=busy', invalid('query.status')),
    get('runners: machineId not a UUID', '/api/v1/runners?machineId=host-1', invalid('query.machineId')),
    get('runners: a NUL character in a tag', '/api/v1/runners?tag=docker%00', invalid('query.tag')),
    get('runners: a NUL character in the search', '/api/v1/runners?q=%00', invalid('query.q')),
    get(
      'runners: a tampered cursor holding no UUID',
      `/api/v1/runners?cursor=${tamperedCursor.runnersBadId()}`,
      invalid('query.cursor'),
    ),
    get('expiring tokens: days -1', '/api/v1/runner-tokens/expiring?days=-1', invalid('query.days')),
    get('expiring tokens: days 3651', '/api/v1/runner-tokens/expiring?days=3651', invalid('query.days')),
    get(
      'expiring tokens: unknown query field',
      '/api/v1/runner-tokens/expiring?days=1&all=true',
      invalid('query.all'),
    ),
    get('jobs: unknown status', '/api/v1/jobs?status=done', invalid('query.status')),
    get('jobs: stuck is not a boolean', '/api/v1/jobs?stuck=yes', invalid('query.stuck')),
    get('jobs: limit 501', '/api/v1/jobs?limit=501', invalid('query.limit')),
    get(
      'jobs: a tag set over 2048 characters',
      `/api/v1/jobs?tagSet=${'t'.repeat(2049)}`,
      invalid('query.tagSet'),
    ),
    get('audit: unknown actor type', '/api/v1/audit-events?actorType=robot', invalid('query.actorType')),
    get(
      'audit: an action in upper case',
      '/api/v1/audit-events?action=RUNNER.UPDATE',
      invalid('query.action'),
    ),
    get('audit: from in words', '/api/v1/audit-events?from=yesterday', invalid('query.from')),
    get('audit: from in year 0', '/api/v1/audit-events?from=0000-01-01T00:00:00Z', invalid('query.from')),
    get('audit: a NUL character in the actor', '/api/v1/audit-events?actor=%00', invalid('query.actor')),
    get(
      'audit: a NUL character in the target id',
      '/api/v1/audit-events?targetId=a%00',
      invalid('query.targetId'),
    ),
    get(
      'audit: a tampered cursor holding no UUID',
      `/api/v1/audit-events?cursor=${tamperedCursor.auditBadId()}`,
      invalid('query.cursor'),
    ),
    get(
      'audit: a tampered cursor in year 0',
      `/api/v1/audit-events?cursor=${tamperedCursor.auditYearZero(unknownId)}`,
      invalid('query.cursor'),
    ),
    c(
      'wall summary: a display token over 200 characters',
      {
        method: 'GET',
        url: `/api/v1/wall/summary?display=${'d'.repeat(201)}`,
        headers: { authorization: null },
      },
      unauthorized,
    ),

    // ---- credentials that are malformed rather than wrong
    c(
      'Basic credentials',
      { method: 'GET', url: '/api/v1/machines', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } },
      unauthorized,
    ),
    c(
      'a 10 KB bearer token',
      { method: 'GET', url: '/api/v1/machines', headers: { authorization: `Bearer ${'x'.repeat(10_240)}` } },
      unauthorized,
    ),
    c(
      'a bearer token with a NUL-looking tail',
      { method: 'GET', url: '/api/v1/machines', headers: { authorization: 'Bearer pdt_%00%00' } },
      unauthorized,
    ),
    c(
      'a cookie session changing something without its CSRF token',
      {
        method: 'PATCH',
        url: machine,
        headers: { cookie: seed.session.cookie },
        json: { labels: { pool: 'csrf' } },
      },
      forbidden,
    ),
    c(
      'a cookie session with a 300-character CSRF token',
      {
        method: 'PATCH',
        url: machine,
        headers: { cookie: seed.session.cookie, 'x-csrf-token': 'c'.repeat(300) },
        json: { labels: { pool: 'csrf' } },
      },
      forbidden,
    ),
    c(
      'a change from another origin',
      {
        method: 'PATCH',
        url: machine,
        headers: { origin: 'https://evil.example' },
        json: { labels: { pool: 'evil' } },
      },
      forbidden,
    ),
  ];
}
