import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api-client';
import { shouldRetry } from './query-client';

const problem = (status: number, code = 'x') => new ApiError({ type: 't', title: 't', status, code });

describe('shouldRetry', () => {
  it('does not retry client errors', () => {
    expect(shouldRetry(0, problem(404))).toBe(false);
    expect(shouldRetry(0, problem(400))).toBe(false);
  });

  it('retries server and network errors a couple of times', () => {
    expect(shouldRetry(0, problem(503))).toBe(true);
    expect(shouldRetry(1, problem(0, 'network_error'))).toBe(true);
    expect(shouldRetry(2, problem(503))).toBe(false);
  });

  it('does not retry an answer that breaks the contract', () => {
    expect(shouldRetry(0, problem(200, 'invalid_response'))).toBe(false);
  });
});
