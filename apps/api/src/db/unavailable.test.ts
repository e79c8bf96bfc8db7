import { describe, expect, it } from 'vitest';
import { Prisma } from './client.js';
import { isDatabaseUnavailable } from './unavailable.js';

const known = (code: string, meta?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError('failed', { code, clientVersion: 'test', meta });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['Prisma: cannot reach the server', known('P1001')],
    [
      'the adapter: connection closed',
      known('P2010', {
        driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } },
      }),
    ],
    [
      'Postgres shutting down (57P01), under a raw query error',
      known('P2010', { driverAdapterError: { cause: { kind: 'postgres', originalCode: '57P01' } } }),
    ],
    [
      'a socket error',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['node-postgres cut off', new Error('Connection terminated unexpectedly')],
    ['node-postgres connect timeout', new Error('timeout exceeded when trying to connect')],
    ['the client-side query timeout', new Error('Query read timeout')],
    [
      'statement_timeout',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ],
    ['a connection exception, as a cause', new Error('outer', { cause: { code: '08006', message: 'x' } })],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', known('P2002')],
    ['a record not found', known('P2025')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a syntax error from Postgres', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['nothing at all', undefined],
  ])('leaves alone %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
