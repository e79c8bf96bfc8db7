import { z } from 'zod';
import { Id, Timestamp } from './common.js';

const GitlabUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(2048)
  .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), { message: 'must not contain credentials' })
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
