/**
 * Bad sign-in requests. Each fails before any password is checked (400, 413 or 415), so none of them may write a
 * login throttle row or an audit event: a malformed request is not a guess at a password.
 */
import { OVER_BODY_LIMIT, deepArray, invalidUtf8Json } from './payloads.js';
import type { HttpCase, HttpExpect, HttpRequest } from './types.js';

const URL = '/api/v1/auth/login';
const invalid = (path: string): HttpExpect => ({ status: 400, code: 'validation_failed', path });

const login = (name: string, request: Omit<HttpRequest, 'method' | 'url'>, expect: HttpExpect): HttpCase => ({
  kind: 'http',
  name: `login: ${name}`,
  // anonymous, as a browser signing in is
  request: { method: 'POST', url: URL, ...request, headers: { authorization: null, ...request.headers } },
  expect,
});
const json = (name: string, body: unknown, expect: HttpExpect) => login(name, { json: body }, expect);
const raw = (name: string, contentType: string, body: string | Buffer, expect: HttpExpect) =>
  login(name, { headers: { 'content-type': contentType }, body }, expect);

export function loginCases(): HttpCase[] {
  return [
    login('no body at all', {}, invalid('body')),
    json('empty object', {}, invalid('body.email')),
    json('no password', { email: 'admin@example.test' }, invalid('body.password')),
    json('no email', { password: 'correct horse battery staple' }, invalid('body.email')),
    json('email as a number', { email: 42, password: 'pw' }, invalid('body.email')),
    json('password as a boolean', { email: 'admin@example.test', password: true }, invalid('body.password')),
    json('password null', { email: 'admin@example.test', password: null }, invalid('body.password')),
    json('credentials in an array', [{ email: 'admin@example.test', password: 'pw' }], invalid('body')),
    json('a bare string', 'admin@example.test:pw', invalid('body')),
    json('null', null, invalid('body')),
    json(
      'a 10 KB password',
      { email: 'admin@example.test', password: 'p'.repeat(10_240) },
      invalid('body.password'),
    ),
    json(
      'a 10 KB email',
      { email: `${'e'.repeat(10_240)}@example.test`, password: 'pw' },
      invalid('body.email'),
    ),
    json(
      '300 emoji as the password',
      { email: 'admin@example.test', password: '🔑'.repeat(300) },
      invalid('body.password'),
    ),
    json(
      'an email of ideographic spaces only',
      { email: '\u3000\u3000\u3000', password: 'pw' },
      invalid('body.email'),
    ),
    json('an empty password', { email: 'admin@example.test', password: '' }, invalid('body.password')),
    json(
      'an unknown field',
      { email: 'admin@example.test', password: 'pw', remember: true },
      invalid('body.remember'),
    ),
    json(
      'a NUL character in the email',
      { email: 'admin\u0000@example.test', password: 'pw' },
      invalid('body.email'),
    ),
    json(
      'a lone surrogate in the password',
      { email: 'admin@example.test', password: 'pw\udc00pw' },
      invalid('body.password'),
    ),
    raw('truncated JSON', 'application/json', '{"email":"admin@example.test","password":', {
      status: 400,
      code: 'malformed_json',
      path: 'body',
    }),
    raw('invalid UTF-8', 'application/json', invalidUtf8Json('email'), {
      status: 400,
      code: 'malformed_json',
      path: 'body',
    }),
    raw('text/plain', 'text/plain', 'admin@example.test\npw', {
      status: 415,
      code: 'unsupported_media_type',
    }),
    raw('a form post', 'application/x-www-form-urlencoded', 'email=admin%40example.test&password=pw', {
      status: 415,
      code: 'unsupported_media_type',
    }),
    raw('10,000 nested arrays', 'application/json', deepArray(10_000), invalid('body')),
    raw(
      'a body over the limit',
      'application/json',
      JSON.stringify({ email: 'a', password: 'p'.repeat(OVER_BODY_LIMIT) }),
      {
        status: 413,
        code: 'payload_too_large',
      },
    ),
  ];
}
