import { z } from 'zod';
import { Id, Timestamp } from './common.js';

const GitlabUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(2048)
  .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), { message: 'must not contain credentials' })
  // The URL parser drops tabs and newlines and accepts spaces, but the text is stored and written to config.toml
  // as given, where gitlab-runner would refuse it.
  .refine((u) => !/\s/.test(u) && ![...u].some((c) => c < ' ' || c === '\u007f'), {
    message: 'must not contain spaces or control characters',
  })
  .transform((u) => u.replace(/\/+$/, ''));

/** A GitLab access token (personal, group or project) with the `create_runner` and `manage_runner` scopes. */
const AccessToken = z
  .string()
  .min(8, { message: 'looks too short for a GitLab access token' })
  .max(512)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' });

export const CreateGitlabInstanceBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  url: GitlabUrl,
  accessToken: AccessToken,
});
export type CreateGitlabInstanceBody = z.infer<typeof CreateGitlabInstanceBody>;

export const UpdateGitlabInstanceBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    url: GitlabUrl,
    accessToken: AccessToken,
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of name, url, accessToken' });
export type UpdateGitlabInstanceBody = z.infer<typeof UpdateGitlabInstanceBody>;

/** The access token itself is never returned: only its last four characters. */
export const GitlabInstance = z.object({
  id: Id,
  name: z.string(),
  url: z.string(),
  accessTokenLast4: z.string(),
  version: z.string().nullable(),
  lastSyncAt: Timestamp.nullable(),
  lastSyncError: z.string().nullable(),
  runnerCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type GitlabInstance = z.infer<typeof GitlabInstance>;

export const GitlabInstanceList = z.object({ items: z.array(GitlabInstance) });
export type GitlabInstanceList = z.infer<typeof GitlabInstanceList>;

/** One sync of a GitLab: what it read and changed, what it cost, and why it failed if it did. */
export const GitlabSyncRun = z.object({
  startedAt: Timestamp,
  finishedAt: Timestamp,
  durationMs: z.number().int(),
  /** requests sent to GitLab (a request retried after a 429 counts once) */
  requests: z.number().int(),
  /** null when the run finished; otherwise why it stopped (nothing is deleted because of a failed run) */
  error: z.string().nullable(),
  runners: z.object({
    listed: z.number().int(),
    updated: z.number().int(),
    imported: z.number().int(),
    /** runners GitLab no longer has, marked `gitlabStatus: "deleted"` this run */
    deleted: z.number().int(),
    /** runners whose tags and settings were read this run (a bounded number per run, in turn) */
    detailsRead: z.number().int(),
  }),
  managers: z.object({
    /** runners whose managers were read: every one still in GitLab that has ever contacted it */
    runnersRead: z.number().int(),
    stored: z.number().int(),
    /** managers whose system_id is a machine's */
    linked: z.number().int(),
  }),
  jobs: z.object({
    projects: z.number().int(),
    /** pending and running jobs GitLab listed */
    listed: z.number().int(),
    /** snapshots GitLab no longer lists as pending or running, read once more for their final status */
    reread: z.number().int(),
    /** watched projects or groups GitLab refused to list (deleted, or not visible to the access token) */
    scopeErrors: z.array(z.string()),
  }),
});
export type GitlabSyncRun = z.infer<typeof GitlabSyncRun>;

/** `GET /api/v1/gitlab-instances/:id/sync`. */
export const GitlabSyncStatus = z.object({
  gitlabInstanceId: Id,
  /** PADDOCK_GITLAB_SYNC_INTERVAL_MS; 0: only on request */
  intervalMs: z.number().int(),
  /** a run is under way on the replica that answered */
  running: z.boolean(),
  /** end of the last run that finished without error, on any replica */
  lastSyncAt: Timestamp.nullable(),
  /** why the last run failed; null after a run that finished */
  lastSyncError: z.string().nullable(),
  /** the last run of the replica that answered (runs on other replicas show only in lastSyncAt/lastSyncError) */
  lastRun: GitlabSyncRun.nullable(),
});
export type GitlabSyncStatus = z.infer<typeof GitlabSyncStatus>;
