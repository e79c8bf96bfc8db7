import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ApiError,
  apiGet,
  apiSend,
  configureApiClient,
  retryAfterSeconds,
  toQueryString,
} from './api-client';
import { json, stubFetch } from './testing';

const Thing = z.object({ id: z.string(), count: z.number() });

describe('apiGet', () => {
  it('returns the body parsed with the schema', async () => {
    stubFetch(() => json({ id: 'a', count: 2, extra: 'dropped' }));
    await expect(apiGet('/api/v1/things/a', Thing)).resolves.toEqual({ id: 'a', count: 2 });
  });

  it('turns a problem+json answer into an ApiError with its field errors', async () => {
    stubFetch(() =>
      json(
        {
          type: 'urn:paddock:problem:validation_failed',
          title: 'Validation failed',
          status: 400,
          code: 'validation_failed',
          detail: '2 fields are invalid',
          errors: [
            { path: 'body.url', message: 'must be an http(s) URL', code: 'invalid_format' },
            { path: 'body.name', message: 'Required', code: 'invalid_type' },
          ],
        },
        400,
        { 'x-request-id': 'req-123' },
      ),
    );
    const error = await apiGet('/api/v1/things', Thing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('validation_failed');
    expect(apiError.isClientError).toBe(true);
    expect(apiError.problem.detail).toBe('2 fields are invalid');
    // The header fills in a request id the body did not carry.
    expect(apiError.problem.requestId).toBe('req-123');
    expect(apiError.fieldErrors).toEqual([
      { path: 'body.url', message: 'must be an http(s) URL', code: 'invalid_format' },
      { path: 'body.name', message: 'Required', code: 'invalid_type' },
    ]);
  });

  it('keeps the status when a proxy answers with HTML instead of a problem', async () => {
    stubFetch(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const error = (await apiGet('/api/v1/things', Thing).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(502);
    expect(error.problem.title).toBe('Bad Gateway');
    expect(error.isClientError).toBe(false);
    expect(error.fieldErrors).toEqual([]);
  });

  it('reports a network failure clearly, with status 0', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    const error = (await apiGet('/api/v1/things', Thing).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(/Cannot reach the Paddock API/);
  });

  it('lets an abort through untouched, so cancelled queries are not shown as errors', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new DOMException('The operation was aborted.', 'AbortError');
      }),
    );
    const error = await apiGet('/api/v1/things', Thing).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ApiError);
    expect((error as DOMException).name).toBe('AbortError');
  });

  it('rejects a 2xx answer that does not match the contract, naming the field', async () => {
    stubFetch(() => json({ id: 'a', count: 'two' }));
    const error = (await apiGet('/api/v1/things', Thing).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('invalid_response');
    expect(error.problem.detail).toContain('"count"');
  });

  it('accepts a listed non-2xx status as data', async () => {
    stubFetch(() => json({ id: 'x', count: 0 }, 503));
    await expect(apiGet('/readyz', Thing, { acceptStatus: [503] })).resolves.toEqual({ id: 'x', count: 0 });
  });
});

describe('apiSend', () => {
  it('sends JSON and parses the answer', async () => {
    const { fetchMock, requests } = stubFetch(() => json({ id: 'b', count: 1 }, 201));
    await expect(apiSend('POST', '/api/v1/things', { name: 'b' }, Thing)).resolves.toEqual({
      id: 'b',
      count: 1,
    });
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.body).toEqual({ name: 'b' });
    const init = fetchMock.mock.calls[0]?.[1] as RequestInit;
    expect((init.headers as Record<string, string>)['content-type']).toBe('application/json');
  });

  it('resolves a 204 without reading a body, and sends no content-type without a body', async () => {
    const { fetchMock } = stubFetch(() => new Response(null, { status: 204 }));
    await expect(apiSend('DELETE', '/api/v1/things/b', undefined, null)).resolves.toBeUndefined();
    const init = fetchMock.mock.calls[0]?.[1] as RequestInit;
    expect(init.body).toBeUndefined();
    expect((init.headers as Record<string, string>)['content-type']).toBeUndefined();
  });

  it('maps a 409 conflict to an ApiError', async () => {
    stubFetch(() =>
      json({ type: 'urn:paddock:problem:conflict', title: 'Conflict', status: 409, code: 'conflict' }, 409),
    );
    const error = (await apiSend('DELETE', '/api/v1/things/b', undefined, null).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(error.status).toBe(409);
    expect(error.code).toBe('conflict');
  });
});

describe('toQueryString', () => {
  it('repeats list values and leaves out empty ones', () => {
    expect(toQueryString({ status: ['online', 'draining'], q: '', label: undefined, limit: 50 })).toBe(
      '?status=online&status=draining&limit=50',
    );
    expect(toQueryString({ q: undefined })).toBe('');
  });
});

describe('the session connection', () => {
  let disconnect: () => void = () => {};
  afterEach(() => disconnect());

  it('sends the CSRF token of the current session on every change, and never on reads', async () => {
    let token: string | undefined = 'pdc_first';
    disconnect = configureApiClient({ csrfToken: () => token, onUnauthorized: () => {} });
    const { requests } = stubFetch(() => json({ id: 'a', count: 1 }));

    await apiSend('POST', '/api/v1/things', { name: 'a' }, Thing);
    await apiSend('DELETE', '/api/v1/things/a', undefined, Thing);
    await apiGet('/api/v1/things/a', Thing);
    // Read when each request leaves, so a new sign-in is picked up without reconfiguring.
    token = 'pdc_second';
    await apiSend('PATCH', '/api/v1/things/a', { name: 'b' }, Thing);
    token = undefined;
    await apiSend('PUT', '/api/v1/things/a', { name: 'c' }, Thing);

    expect(requests.map((r) => [r.method, r.headers['x-csrf-token']])).toEqual([
      ['POST', 'pdc_first'],
      ['DELETE', 'pdc_first'],
      ['GET', undefined],
      ['PATCH', 'pdc_second'],
      ['PUT', undefined],
    ]);
  });

  it('sends no token once disconnected', async () => {
    configureApiClient({ csrfToken: () => 'pdc_gone', onUnauthorized: () => {} })();
    const { requests } = stubFetch(() => json({ id: 'a', count: 1 }));
    await apiSend('POST', '/api/v1/things', {}, Thing);
    expect(requests[0]?.headers['x-csrf-token']).toBeUndefined();
  });

  it('reports a 401 as a lost session, unless the caller expects one', async () => {
    const onUnauthorized = vi.fn();
    disconnect = configureApiClient({ csrfToken: () => undefined, onUnauthorized });
    stubFetch(() =>
      json(
        {
          type: 'urn:paddock:problem:unauthorized',
          title: 'Unauthorized',
          status: 401,
          code: 'unauthorized',
        },
        401,
      ),
    );

    const error = (await apiGet('/api/v1/machines', Thing).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(401);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);

    await apiSend('POST', '/api/v1/auth/login', {}, Thing, { unauthorizedIsAnswer: true }).catch(() => {});
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('does not report a 403 as a lost session', async () => {
    const onUnauthorized = vi.fn();
    disconnect = configureApiClient({ csrfToken: () => undefined, onUnauthorized });
    stubFetch(() =>
      json(
        {
          type: 'urn:paddock:problem:forbidden',
          title: 'Forbidden',
          status: 403,
          code: 'forbidden',
          detail: 'This needs the admin role; you are viewer.',
        },
        403,
      ),
    );
    const error = (await apiGet('/api/v1/users', Thing).catch((e: unknown) => e)) as ApiError;
    expect(error.problem.detail).toBe('This needs the admin role; you are viewer.');
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});

describe('Retry-After', () => {
  it('is read from a 429 answer', async () => {
    stubFetch(() =>
      json(
        {
          type: 'urn:paddock:problem:rate_limited',
          title: 'Too many requests',
          status: 429,
          code: 'rate_limited',
        },
        429,
        { 'retry-after': '42' },
      ),
    );
    const error = (await apiGet('/api/v1/things', Thing).catch((e: unknown) => e)) as ApiError;
    expect(error.retryAfterSeconds).toBe(42);
  });

  it('accepts seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T10:00:00Z');
    expect(retryAfterSeconds('30', now)).toBe(30);
    expect(retryAfterSeconds('Wed, 01 Jan 2025 10:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});
