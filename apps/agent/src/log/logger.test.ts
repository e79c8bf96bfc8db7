import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('writes one JSON line per event with level, time and msg first', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now: () => new Date('2026-01-02T03:04:05Z') });
    log.info('hello', { revision: 3 });
    expect(lines).toEqual(['{"level":"info","time":"2026-01-02T03:04:05.000Z","msg":"hello","revision":3}']);
  });

  it('never writes tokens, credentials or authorization headers, however deep', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) }).child({ credential: 'c-secret' });
    log.warn('x', {
      token: 'glrt-secret',
      nested: { headers: { Authorization: 'Bearer abc' }, list: [{ runnerToken: 't' }] },
      msg: 'cannot override',
    });
    const out = lines.join('\n');
    expect(out).not.toMatch(/secret|Bearer|"t"/);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      msg: 'x',
      token: '[redacted]',
      credential: '[redacted]',
    });
  });

  it('drops entries below the level and serialises errors', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('quiet');
    const err = Object.assign(new Error('boom'), { code: 'ENOSPC' });
    log.error('loud', { error: err });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ error: { message: 'boom', code: 'ENOSPC' } });
  });
});
