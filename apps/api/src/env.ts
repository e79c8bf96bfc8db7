/**
 * The API's environment, parsed once at start (server.ts) and passed down. Modules never read process.env.
 * Every variable here is documented in the README with its default; the compose file is checked against this list.
 */
import path from 'node:path';
import { z } from 'zod';

const Port = z.coerce.number().int().min(0).max(65535);

/**
 * Days to keep jobs or samples: 0 keeps them forever. One day is refused: the longest chart reads the last 24 hours
 * from bucket boundaries up to 15 minutes earlier, so a day's retention would cut its first bucket short.
 */
const RetentionDays = z.coerce
  .number()
  .int()
  .refine((days) => days === 0 || (days >= 2 && days <= 36_500), {
    message: 'must be 0 (keep forever) or between 2 and 36500 days',
  });

/** 32 bytes, given as 64 hex characters or as base64. */
const SecretKey = z.string().refine((v) => decodeSecretKey(v) !== null, {
  message: 'must be 32 bytes as 64 hex characters or base64 (generate one with: openssl rand -base64 32)',
});

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['production', 'development', 'test']).default('production'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: Port.default(3000),
    /** where the embedded database, the generated secret key and the lock file live */
    PADDOCK_DATA_DIR: z.string().min(1).default('./.paddock'),
    /** Postgres to use; without it Paddock runs embedded PGlite in PADDOCK_DATA_DIR */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    /** how long opening a database connection may take; past it the request fails with 503 instead of waiting */
    PADDOCK_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
    /**
     * how long one database statement may run before Postgres cancels it (statement_timeout); a database that
     * does not answer at all is given up on 2 s later. Either way the request fails with 503, never hangs
     */
    PADDOCK_DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
    /** auto: apply pending migrations at start; off: refuse to start on a stale schema */
    PADDOCK_MIGRATE: z.enum(['auto', 'off']).default('auto'),
    PADDOCK_SECRET_KEY: SecretKey.optional(),
    /** comma-separated keys that older ciphertexts may still use (key rotation) */
    PADDOCK_SECRET_KEYS_PREVIOUS: z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      )
      .pipe(z.array(SecretKey)),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PADDOCK_LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    /** built web app to serve; defaults to apps/web/dist beside the API */
    PADDOCK_WEB_DIR: z.string().optional(),
    /** the single-file agent served at /downloads/paddock-agent.js; defaults to apps/agent/dist beside the API */
    PADDOCK_AGENT_BUNDLE: z.string().optional(),
    /** directory of Prisma migrations; defaults to prisma/migrations of the checkout or image */
    PADDOCK_MIGRATIONS_DIR: z.string().optional(),
    /** largest request body accepted, in bytes */
    PADDOCK_BODY_LIMIT: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** how long in-flight requests may take to finish on shutdown */
    PADDOCK_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    /** trust X-Forwarded-* from a proxy in front (true, false, a hop count or a list of addresses) */
    PADDOCK_TRUST_PROXY: z.string().default('false'),
    /** how often agents are pinged; a machine silent for three intervals is offline */
    PADDOCK_AGENT_HEARTBEAT_MS: z.coerce.number().int().min(1000).max(300_000).default(15_000),
    /** requests to one GitLab that may be in flight at once */
    PADDOCK_GITLAB_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
    /** how long one request to GitLab may take before GitLab counts as unreachable */
    PADDOCK_GITLAB_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
    /** how often a request GitLab answered 429 is retried, after its Retry-After */
    PADDOCK_GITLAB_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
    /** how often a job log someone watches is read from GitLab (one read per job, whatever the viewers) */
    PADDOCK_TRACE_POLL_MS: z.coerce.number().int().min(200).max(60_000).default(3_000),
    /** how often every connected GitLab's runners, runner managers and watched jobs are read; 0 turns it off */
    PADDOCK_GITLAB_SYNC_INTERVAL_MS: z.coerce
      .number()
      .int()
      .refine((ms) => ms === 0 || (ms >= 5_000 && ms <= 86_400_000), {
        message: 'must be 0 (off) or between 5000 and 86400000',
      })
      .default(60_000),
    /** how often the fleet's running jobs, limits and queues are sampled for the charts; 0 turns it off */
    PADDOCK_FLEET_SAMPLE_INTERVAL_MS: z.coerce
      .number()
      .int()
      .refine((ms) => ms === 0 || (ms >= 1_000 && ms <= 3_600_000), {
        message: 'must be 0 (off) or between 1000 and 3600000',
      })
      .default(60_000),
    /**
     * `auto`: with no GitLab connected, start a simulated GitLab and five demo machines beside Paddock (stopped
     * with it); `off`: never
     */
    PADDOCK_DEMO: z.enum(['auto', 'off']).default('auto'),
    /**
     * `on`: also check every response against its contract with zod and fail it when the compiled serializer wrote
     * it differently (slower; the test suites run this way)
     */
    PADDOCK_RESPONSE_CHECK: z.enum(['on', 'off']).default('off'),
    /**
     * the address people reach Paddock at (https://paddock.example.com); used in printed links, copied commands
     * and as the only origin allowed to change things. Defaults to the address each request was sent to
     */
    PADDOCK_PUBLIC_URL: z
      .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
      .transform((v) => v.replace(/\/+$/, ''))
      .optional(),
    /** creates the first admin on a database with no users (with PADDOCK_ADMIN_PASSWORD) */
    PADDOCK_ADMIN_EMAIL: z.email({ message: 'must be an email address' }).optional(),
    PADDOCK_ADMIN_PASSWORD: z
      .string()
      .min(12, { message: 'must be at least 12 characters' })
      .max(256)
      .optional(),
    /** a browser session ends after this many minutes without a request */
    PADDOCK_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(43_200).default(720),
    /** and after this many hours whatever happens */
    PADDOCK_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(8_760).default(168),
    /** `auto`: session cookies are Secure when the request came over HTTPS (directly or per X-Forwarded-Proto) */
    PADDOCK_COOKIE_SECURE: z.enum(['auto', 'always']).default('auto'),
    /** the bearer token Prometheus sends to GET /metrics; unset, only signed-in people and API tokens may read it */
    PADDOCK_METRICS_TOKEN: z
      .string()
      .regex(/^\S{16,512}$/, {
        message: 'must be 16 to 512 characters without spaces (generate one with: openssl rand -hex 32)',
      })
      .optional(),
    /** audit events older than this many days are deleted (0 keeps them forever) */
    PADDOCK_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
    /** finished jobs are deleted this many days after they finished (0 keeps them forever) */
    PADDOCK_JOB_RETENTION_DAYS: RetentionDays.default(30),
    /** fleet samples are deleted after this many days (0 keeps them forever): one row per machine per minute, and
     * the charts read one day at most */
    PADDOCK_FLEET_SAMPLE_RETENTION_DAYS: RetentionDays.default(2),
    /**
     * config revisions kept per machine, newest first; its desired, applied and pending revisions and those of a
     * rollout still under way are kept as well (0 keeps every revision)
     */
    PADDOCK_REVISIONS_KEPT: z.coerce
      .number()
      .int()
      .refine((n) => n >= 0 && n <= 100_000, { message: 'must be 0 (keep all) or between 1 and 100000' })
      .default(50),
    /** how often old jobs, samples and revisions are deleted (one replica at a time); 0 turns it off */
    PADDOCK_RETENTION_INTERVAL_MS: z.coerce
      .number()
      .int()
      .refine((ms) => ms === 0 || (ms >= 60_000 && ms <= 86_400_000), {
        message: 'must be 0 (off) or between 60000 and 86400000',
      })
      .default(3_600_000),
    /** loopback port of the embedded database (0 = any free port) */
    PADDOCK_EMBEDDED_DB_PORT: Port.default(0),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.PADDOCK_ADMIN_EMAIL) !== Boolean(env.PADDOCK_ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.PADDOCK_ADMIN_EMAIL ? 'PADDOCK_ADMIN_PASSWORD' : 'PADDOCK_ADMIN_EMAIL'],
        message: 'PADDOCK_ADMIN_EMAIL and PADDOCK_ADMIN_PASSWORD go together',
      });
    }
    if (env.DATABASE_URL && !env.PADDOCK_SECRET_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['PADDOCK_SECRET_KEY'],
        message:
          'is required with DATABASE_URL, so every replica encrypts with the same key (generate one with: openssl rand -base64 32)',
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

/** Names of every variable the API reads. */
export const ENV_NAMES: string[] = Object.keys(EnvSchema.shape);

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/** Parses the environment; throws EnvError naming every bad variable at once. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const given = typeof issue.path[0] === 'string' ? cleaned[issue.path[0]] : undefined;
        const secret = /KEY|URL|PASSWORD|TOKEN/.test(name);
        return `${name}: ${issue.message}${given !== undefined && !secret ? ` (got ${JSON.stringify(given)})` : ''}`;
      }),
    );
  }
  return { ...result.data, PADDOCK_DATA_DIR: path.resolve(result.data.PADDOCK_DATA_DIR) };
}

export function decodeSecretKey(value: string): Buffer | null {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const buf = Buffer.from(trimmed, 'base64');
    if (buf.length === 32) return buf;
  }
  return null;
}
