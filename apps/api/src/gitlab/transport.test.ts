/**
 * The transport's retries of a failed DELETE, over a scripted fetch: a 5xx or no answer is tried again with a
 * growing pause, a 404 after such a failure means the earlier attempt did the job, and nothing else is retried.
 */
import { describe, expect, it } from 'vitest';
import { GitlabUnreachableError } from './errors.js';
import { createLimiter } from './limiter.js';
import { createTransport } from './transport.js';

type Step = number | 'network';

function scripted(steps: Step[]) {
  const calls: string[] = [];
  const waits: number[] = [];
  const transport = createTransport('https://gitlab.example.com', {
    limiter: createLimiter(2),
    timeoutMs: 5_000,
    maxRetries: 3,
    maxRetryWaitMs: 60_000,
    sleep: async (ms) => {
      waits.push(ms);
    },
    fetch: async (input, init) => {
      calls.push(`${init?.method} ${new URL(String(input)).pathname}`);
      const step = steps.shift();
      if (step === undefined) throw new Error('the script ran out');
      if (step === 'network') throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      const body = step === 204 ? null : JSON.stringify({ message: `${step}` });
      return new Response(body, { status: step, headers: { 'content-type': 'application/json' } });
    },
  });
  return { transport, calls, waits };
}

describe('a DELETE that fails', () => {
  it('is tried again after a 5xx or no answer, with a growing pause', async () => {
    const { transport, calls, waits } = scripted([503, 'network', 204]);
    expect(await transport.send('DELETE', 'runners/7')).toMatchObject({ status: 204 });
    expect(calls).toEqual(Array(3).fill('DELETE /api/v4/runners/7'));
    expect(waits).toEqual([500, 1000]);
  });

  it('counts as done when the retry finds it gone: the failed attempt deleted it', async () => {
    const { transport } = scripted([502, 404]);
    expect(await transport.send('DELETE', 'runners/7')).toMatchObject({ status: 204 });
  });

  it('still reports a 404 when no attempt failed before it', async () => {
    const { transport } = scripted([404]);
    await expect(transport.send('DELETE', 'runners/7')).rejects.toMatchObject({ gitlabStatus: 404 });
  });

  it('gives up as unreachable after the configured retries', async () => {
    const { transport, calls, waits } = scripted([500, 500, 500, 500]);
    await expect(transport.send('DELETE', 'runners/7')).rejects.toBeInstanceOf(GitlabUnreachableError);
    expect(calls).toHaveLength(4);
    expect(waits).toEqual([500, 1000, 2000]);
  });
});

describe('other methods that fail', () => {
  it.each(['POST', 'GET', 'PUT'])('are not retried: %s', async (method) => {
    const { transport, calls, waits } = scripted([503, 201]);
    await expect(transport.send(method, 'user/runners')).rejects.toBeInstanceOf(GitlabUnreachableError);
    expect(calls).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});
