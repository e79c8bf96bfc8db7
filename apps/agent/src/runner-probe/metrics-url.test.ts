import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_URL, metricsTargetFromListenAddress } from './metrics-url.js';

describe('metrics URL from listen_address', () => {
  it.each([
    [undefined, DEFAULT_METRICS_URL],
    [':9252', 'http://127.0.0.1:9252/metrics'],
    ['0.0.0.0:9300', 'http://127.0.0.1:9300/metrics'],
    ['localhost', 'http://localhost:9252/metrics'],
    ['10.0.0.5', 'http://10.0.0.5:9252/metrics'],
    ['[::]:9252', 'http://[::1]:9252/metrics'],
    ['[fd00::1]', 'http://[fd00::1]:9252/metrics'],
  ])('%j → %s', (address, url) => {
    expect(metricsTargetFromListenAddress(address)).toEqual({ url });
  });

  it('is disabled by an empty address and refuses unreadable ones', () => {
    expect(metricsTargetFromListenAddress('')).toMatchObject({
      url: null,
      reason: expect.stringContaining('empty'),
    });
    expect(metricsTargetFromListenAddress('::1')).toMatchObject({ url: null });
    expect(metricsTargetFromListenAddress('host:port')).toMatchObject({ url: null });
    expect(metricsTargetFromListenAddress('host:70000')).toMatchObject({ url: null });
  });
});
