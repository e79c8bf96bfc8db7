import { RunnerPage, MachinePage, WallSummary } from '@paddock/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileResponseSchema, responseSerializer } from './response-serializer.js';

const now = '2026-12-06T07:41:00.123Z';
const runner = (i: number) => ({
  id: '01a20792-d6bb-742f-afc2-ba3f6c8b6cc1',
  gitlabInstanceId: '01a20792-d6bb-742f-afc2-ba3f6c8b6cc2',
  gitlabRunnerId: 1000 + i,
  runnerType: 'instance_type',
  groupId: null,
  projectId: i,
  description: `runner "${i}" \u2028 <b>`,
  tags: ['docker', 'linux'],
  runUntagged: false,
  locked: true,
  paused: false,
  accessLevel: 'not_protected',
  maximumTimeout: null,
  maintenanceNote: null,
  executor: 'docker',
  source: 'managed',
  gitlabStatus: 'online',
  contactedAt: now,
  syncedAt: null,
  token:
    i % 2
      ? null
      : {
          last4: 'abcd',
          obtainedAt: now,
          expiresAt: null,
          rotatedAt: now,
          limitMode: 'per_machine',
          limitValue: 4,
          requestConcurrency: null,
        },
  machineCount: 3,
  managerCount: 0,
  createdAt: now,
  updatedAt: now,
});

const route = (schema: unknown) => ({ schema, method: 'GET', url: '/x', httpStatus: '200' });

describe('the response serializer', () => {
  it('writes what the zod contract writes', () => {
    const page = { items: [runner(0), runner(1)], nextCursor: null, total: 2 };
    const compiled = compileResponseSchema(RunnerPage);
    expect(compiled).not.toBeNull();
    expect(compiled!(page)).toBe(JSON.stringify(z.encode(RunnerPage, page as never)));
  });

  it('leaves out every field the contract does not list, at any depth', () => {
    const leaky = {
      items: [
        { ...runner(0), ciphertext: 'glrt-secret', token: { ...runner(0).token, token: 'glrt-secret' } },
      ],
      nextCursor: null,
      total: 1,
      debug: { password: 'hunter2' },
    };
    const text = compileResponseSchema(RunnerPage)!(leaky);
    expect(text).not.toContain('secret');
    expect(text).not.toContain('hunter2');
  });

  it('compiles the contracts of the busiest pages', () => {
    for (const schema of [RunnerPage, MachinePage, WallSummary])
      expect(compileResponseSchema(schema)).not.toBeNull();
  });

  it('keeps zod for what JSON Schema cannot express', () => {
    const dated = z.object({ at: z.date() });
    expect(compileResponseSchema(dated)).toBeNull();
    const serialize = responseSerializer({ check: false })(route(dated) as never);
    expect(serialize({ at: new Date(5) })).toBe('{"at":"1970-01-01T00:00:00.005Z"}');
  });

  it('when checking, refuses a response the contract refuses or that would be written differently', () => {
    const schema = z.object({ n: z.number().int(), s: z.string() });
    const checked = responseSerializer({ check: true })(route(schema) as never);
    expect(checked({ n: 1, s: 'a' })).toBe('{"n":1,"s":"a"}');
    // The compiled function alone would write these; the check does not let them through.
    expect(() => checked({ n: '1', s: 'a' })).toThrow();
    expect(() => checked({ n: 1.5, s: 'a' })).toThrow();
    // Only the order of keys may differ: optional fields are written last.
    const optional = z.object({ a: z.string().optional(), b: z.number() });
    expect(
      JSON.parse(responseSerializer({ check: true })(route(optional) as never)({ a: 'x', b: 1 })),
    ).toEqual({
      a: 'x',
      b: 1,
    });
    const unchecked = responseSerializer({ check: false })(route(schema) as never);
    expect(unchecked({ n: 1, s: 'a', extra: true })).toBe('{"n":1,"s":"a"}');
  });
});
