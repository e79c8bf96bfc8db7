/**
 * pino options for the API. Anything that could carry a credential is redacted before it is written: auth headers,
 * cookies, and token/password fields wherever they appear in a logged object.
 */
import type { LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["private-token"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.accessToken',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.cookie',
  'token',
  'accessToken',
  'password',
];

export function loggerOptions(opts: { level: string; pretty: boolean }): LoggerOptions {
  return {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(opts.pretty && {
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    }),
  };
}
