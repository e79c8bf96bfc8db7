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

/** Query parameters that carry a credential: wall screens' `display=`, setup and invitation links' `token=`. */
const SECRET_QUERY = /([?&](?:display|token|access_token|private_token)=)[^&#]*/gi;

/** A URL as it may be logged: credentials in its query string replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

export function loggerOptions(opts: { level: string; pretty: boolean }): LoggerOptions {
  return {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    ...(opts.pretty && {
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    }),
  };
}
