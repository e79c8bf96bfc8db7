import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/**
 * `POST /api/v1/agent/enroll`: an agent trades an enrollment token for its machine's credential. The credential
 * is returned once; the agent keeps it (mode 0600) and connects to `/agent` with `Authorization: Bearer`.
 */
export const EnrollAgentBody = z.strictObject({
  token: z.string().min(16).max(256),
  hostname: z.string().trim().min(1).max(255),
  /** gitlab-runner's system_id of this host, when the agent already knows it */
  systemId: z
    .string()
    .regex(/^[sr]_[0-9a-zA-Z]{12}$/, { message: 'must be a gitlab-runner system_id' })
    .optional(),
  os: z.string().max(64).optional(),
  arch: z.string().max(64).optional(),
  agentVersion: z.string().max(100).optional(),
});
export type EnrollAgentBody = z.infer<typeof EnrollAgentBody>;

export const EnrollAgentResponse = z.object({
  machineId: Id,
  /** shown once; Paddock stores only its hash */
  credential: z.string(),
  /** the websocket URL path to connect to */
  agentPath: z.literal('/agent'),
});
export type EnrollAgentResponse = z.infer<typeof EnrollAgentResponse>;

/** An enrollment token lets agents enroll machines: `maxUses` times (unlimited when null) until it expires. */
export const CreateEnrollmentTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  maxUses: z.number().int().min(1).max(100_000).nullable().default(1),
  /** ISO timestamp; defaults to 24 hours from now, null for no expiry */
  expiresAt: Timestamp.nullable().optional(),
  /** labels given to every machine enrolled with this token */
  labels: z
    .record(z.string().regex(/^[a-z0-9](?:[a-z0-9._/-]{0,61}[a-z0-9])?$/), z.string().max(255))
    .default({}),
});
export type CreateEnrollmentTokenBody = z.input<typeof CreateEnrollmentTokenBody>;

export const EnrollmentToken = z.object({
  id: Id,
  name: z.string(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
  labels: z.record(z.string(), z.string()),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
  /** usable now: not revoked, not expired, uses left */
  active: z.boolean(),
});
export type EnrollmentToken = z.infer<typeof EnrollmentToken>;

/** Returned once, at creation: the token itself is never shown again. */
export const CreatedEnrollmentToken = EnrollmentToken.extend({ token: z.string() });
export type CreatedEnrollmentToken = z.infer<typeof CreatedEnrollmentToken>;

export const EnrollmentTokenList = z.object({ items: z.array(EnrollmentToken) });
export type EnrollmentTokenList = z.infer<typeof EnrollmentTokenList>;
