/**
 * The agent <-> API protocol over the `/agent` websocket.
 *
 * Lifecycle
 * 1. Enrollment (once, over REST): `POST /api/v1/agent/enroll` with an enrollment token returns the machine's
 *    credential; the agent keeps it in its state dir with mode 0600.
 * 2. Connect: `GET /agent` upgrade with `Authorization: Bearer <credential>`. No valid credential, no upgrade (401).
 * 3. The agent sends `hello` first. A different major protocol version is closed with CLOSE.versionMismatch and
 *    a reason naming both versions. A second connection for the same machine replaces the first
 *    (CLOSE.replaced on the old socket).
 * 4. The API answers `welcome` (machine id, heartbeat interval), then `apply` when the machine's desired revision
 *    differs from the one `hello` reported.
 * 5. `apply` carries a revision number, the whole config.toml and its sha256. The agent writes it atomically,
 *    skips the write when that hash is already on disk, ignores revisions older than the one applied, and answers
 *    `applied` or `failed` (with a reason code).
 * 6. Every heartbeat the agent sends `status` (running jobs, gitlab-runner health, on-disk hash, host load).
 *    Websocket ping/pong carries liveness; a machine silent for three intervals is offline.
 * 7. When the file on disk stops matching the applied revision by value, the agent sends `tokenRotated` (only
 *    runner token fields changed: gitlab-runner rotated a token itself) or `drift` (anything else, with paths).
 *
 * Conventions
 * - Every frame is one JSON object with a `type`; both ends parse every frame with the schemas below. A frame that
 *   does not parse is dropped, logged and counted, never acted on; it does not close the connection unless
 *   the peer keeps sending them.
 * - Frames are at most MAX_FRAME_BYTES; a larger one closes the connection with 1009 (CLOSE.tooLarge, the
 *   websocket standard's "message too big"). The websocket is a doorbell and the database is the truth: any
 *   message may be lost, and the next `hello` reconciles.
 * - The API accepts at most AGENT_FRAME_RATE.burst frames (pings included) at once and AGENT_FRAME_RATE.perSecond
 *   sustained per connection: a token bucket. An agent sends a few frames per heartbeat, so only a runaway or
 *   hostile peer reaches it; it is closed with CLOSE.rateLimited and reconnects with backoff.
 * - An agent speaks only for its own machine, the one its credential belongs to. A `hello` with another
 *   machine's system_id is closed with CLOSE.protocolViolation; a `tokenRotated` for a runner not assigned to the
 *   machine, or an `applied`/`failed` for a revision Paddock did not make for it, is refused and logged, and
 *   changes nothing.
 * - A revoked credential closes its socket at once (CLOSE.revoked) on every API replica, and its next upgrade is
 *   answered 401: the machine must enroll again.
 * - Text fields hold no NUL character (the API stores them in Postgres, which has none); a frame with one does
 *   not parse.
 * - Minor versions only add optional fields or message types; a receiver ignores message types it does not
 *   know only within the same major version (they fail to parse and are dropped).
 */
import { z } from 'zod';

/** major.minor; a different major is incompatible. */
export const PROTOCOL_VERSION = '1.1';

/** Largest frame either side accepts (a config.toml of a large fleet host fits many times over). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * How many frames per connection the API accepts: a bucket of `burst` frames refilled at `perSecond`. An agent
 * sends one `status` per heartbeat plus one answer per `apply`, far below either figure; the burst leaves room for
 * a reconnect's hello, drift and token reports arriving together.
 */
export const AGENT_FRAME_RATE = { burst: 50, perSecond: 20 } as const;

/** Websocket close codes used by the API (4000-4999 are application codes). */
export const CLOSE = {
  /** the credential was revoked while connected */
  revoked: 4001,
  /** the agent's major protocol version differs from the API's */
  versionMismatch: 4002,
  /** another connection for the same machine took over */
  replaced: 4003,
  /** the agent broke the protocol (e.g. spoke for another machine, or kept sending invalid frames) */
  protocolViolation: 4004,
  /** no `hello` within the allowed time */
  helloTimeout: 4005,
  /** more frames than AGENT_FRAME_RATE allows */
  rateLimited: 4006,
  /** a frame above MAX_FRAME_BYTES (sent by the websocket layer itself, without a reason text) */
  tooLarge: 1009,
  /** the API is shutting down; reconnect with backoff */
  goingAway: 1001,
} as const;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be a lowercase hex sha256' });
const RevisionNumber = z
  .number()
  .int()
  .min(1)
  .max(2 ** 31 - 1);
const SystemId = z.string().regex(/^[sr]_[0-9a-zA-Z]{12}$/, { message: 'must be a gitlab-runner system_id' });
/** Text the API stores: without NUL characters, which Postgres refuses in text columns. */
const Text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL' });
const ShortText = Text(255);

/** Identifies one `[[runners]]` entry the way config.toml does: GitLab URL and runner id. */
export const RunnerRef = z.object({
  url: Text(2048),
  id: z.number().int().nonnegative(),
});
export type RunnerRef = z.infer<typeof RunnerRef>;

export const AppliedRevision = z.object({ number: RevisionNumber, sha256: Sha256 });

// ---------------------------------------------------------------------------------------------------------------
// agent -> API

export const Hello = z.object({
  type: z.literal('hello'),
  protocolVersion: z.string().regex(/^\d+\.\d+$/),
  agentVersion: ShortText,
  systemId: SystemId,
  hostname: ShortText,
  os: ShortText,
  arch: ShortText,
  /** gitlab-runner's version from its metrics, when known */
  runnerVersion: ShortText.nullable(),
  /** the revision this agent last applied, or null on a fresh host */
  applied: AppliedRevision.nullable(),
  /** sha256 of config.toml as it is on disk now (null when there is no file) */
  diskSha256: Sha256.nullable(),
  cpuCount: z.number().int().positive().max(100_000).optional(),
  memoryBytes: z.number().int().nonnegative().optional(),
});
export type Hello = z.infer<typeof Hello>;

export const Applied = z.object({
  type: z.literal('applied'),
  revision: RevisionNumber,
  sha256: Sha256,
  /** false when the file already had this content and was not rewritten */
  written: z.boolean(),
});
export type Applied = z.infer<typeof Applied>;

export const FAILURE_CODES = [
  'permission_denied',
  'disk_full',
  'read_only',
  'invalid_content',
  'hash_mismatch',
  'io_error',
] as const;

export const Failed = z.object({
  type: z.literal('failed'),
  revision: RevisionNumber,
  code: z.enum(FAILURE_CODES),
  /** human-readable reason, without secrets */
  message: Text(2000),
});
export type Failed = z.infer<typeof Failed>;

export const RunnerJobs = z.object({
  runner: RunnerRef,
  /** jobs running now (gitlab_runner_jobs with state="running") */
  running: z.number().int().nonnegative(),
  /** the limit gitlab-runner reports (gitlab_runner_limit; 0 = unlimited) */
  limit: z.number().int().nullable(),
});

export const Status = z.object({
  type: z.literal('status'),
  diskSha256: Sha256.nullable(),
  runner: z.object({
    /** the metrics endpoint answered this heartbeat */
    metricsOk: z.boolean(),
    /** why it did not, when it did not */
    error: Text(500).nullable(),
    version: ShortText.nullable(),
    concurrent: z.number().int().nullable(),
    jobs: z.array(RunnerJobs).max(1000),
    /** gitlab_runner_errors_total by level since the runner started */
    errors: z.record(z.string().max(32), z.number().nonnegative()).optional(),
  }),
  host: z.object({
    cpuCount: z.number().int().positive(),
    load1: z.number().nonnegative(),
    memoryBytes: z.number().int().nonnegative(),
    memoryAvailableBytes: z.number().int().nonnegative(),
    /**
     * share of CPU time spent busy (not idle) across all cores since the previous sample, 0-100; absent on the
     * first heartbeat and from agents older than protocol 1.1, where load1 / cpuCount stands in
     */
    cpuBusyPercent: z.number().min(0).max(100).optional(),
  }),
});
export type Status = z.infer<typeof Status>;

export const RotatedToken = z.object({
  runner: RunnerRef,
  token: z.string().min(1).max(1024),
  tokenObtainedAt: z.string().max(64),
  /** "0001-01-01T00:00:00Z" means no expiry, as in config.toml */
  tokenExpiresAt: z.string().max(64),
});

/** gitlab-runner rewrote config.toml after rotating tokens itself; only token fields differ from `revision`. */
export const TokenRotated = z.object({
  type: z.literal('tokenRotated'),
  revision: RevisionNumber,
  diskSha256: Sha256,
  tokens: z.array(RotatedToken).min(1).max(1000),
});
export type TokenRotated = z.infer<typeof TokenRotated>;

/** config.toml on disk differs from the applied revision by value, beyond token rotation. */
export const Drift = z.object({
  type: z.literal('drift'),
  revision: RevisionNumber,
  diskSha256: Sha256.nullable(),
  /** changed paths such as `concurrent` or `runners[0].limit`; empty list = back in line */
  paths: z.array(Text(500)).max(1000),
});
export type Drift = z.infer<typeof Drift>;

export const AgentMessage = z.discriminatedUnion('type', [
  Hello,
  Applied,
  Failed,
  Status,
  TokenRotated,
  Drift,
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

// ---------------------------------------------------------------------------------------------------------------
// API -> agent

export const Welcome = z.object({
  type: z.literal('welcome'),
  protocolVersion: z.string().regex(/^\d+\.\d+$/),
  machineId: z.uuid(),
  heartbeatIntervalMs: z.number().int().min(1000).max(300_000),
});
export type Welcome = z.infer<typeof Welcome>;

export const Apply = z.object({
  type: z.literal('apply'),
  revision: RevisionNumber,
  sha256: Sha256,
  config: z.string().max(MAX_FRAME_BYTES / 2),
});
export type Apply = z.infer<typeof Apply>;

export const ServerMessage = z.discriminatedUnion('type', [Welcome, Apply]);
export type ServerMessage = z.infer<typeof ServerMessage>;
