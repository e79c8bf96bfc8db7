/**
 * Connected GitLab instances. A URL and access token are checked against that GitLab before they are stored (it
 * answers, the token is active and has the scopes Paddock needs); GitLab's version is kept. The access token is
 * encrypted before it is stored and never leaves the API again: responses carry only its last four characters.
 */
import type { CreateGitlabInstanceBody, GitlabInstance, UpdateGitlabInstanceBody } from '@paddock/contracts';
import type { GitlabConnectionCheck } from '../../gitlab/connection-check.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { last4, type SecretBox } from '../../lib/secrets.js';
import type { GitlabInstanceRow, GitlabInstancesRepository } from './gitlab-instances.repository.js';

export function toGitlabInstanceDto(row: GitlabInstanceRow): GitlabInstance {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    accessTokenLast4: row.accessTokenLast4,
    version: row.version,
    lastSyncAt: row.lastSyncAt?.toISOString() ?? null,
    lastSyncError: row.lastSyncError,
    runnerCount: row._count.runners,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function gitlabInstancesService(deps: {
  repo: GitlabInstancesRepository;
  secrets: SecretBox;
  checkConnection: GitlabConnectionCheck;
}) {
  const { repo, secrets, checkConnection } = deps;
  const sealToken = (token: string) => ({
    accessTokenCiphertext: secrets.encrypt(token, 'gitlab-access-token'),
    accessTokenLast4: last4(token),
  });

  return {
    async list(): Promise<GitlabInstance[]> {
      return (await repo.list()).map(toGitlabInstanceDto);
    },
    async get(id: string): Promise<GitlabInstance> {
      const row = await repo.get(id);
      if (!row) throw new NotFoundError('GitLab instance', id);
      return toGitlabInstanceDto(row);
    },
    async create(body: CreateGitlabInstanceBody): Promise<GitlabInstance> {
      const { version } = await checkConnection(body.url, body.accessToken);
      const row = await repo.create({
        name: body.name,
        url: body.url,
        version,
        ...sealToken(body.accessToken),
      });
      return toGitlabInstanceDto(row);
    },
    async update(id: string, body: UpdateGitlabInstanceBody): Promise<GitlabInstance> {
      let version: string | null | undefined;
      // A new URL or token is checked as the pair that will be used; a new name alone needs no GitLab.
      if (body.url !== undefined || body.accessToken !== undefined) {
        const row = await repo.get(id);
        if (!row) throw new NotFoundError('GitLab instance', id);
        const token = body.accessToken ?? secrets.decrypt(row.accessTokenCiphertext, 'gitlab-access-token');
        ({ version } = await checkConnection(body.url ?? row.url, token));
      }
      const row = await repo.update(id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.url !== undefined && { url: body.url }),
        ...(body.accessToken !== undefined && sealToken(body.accessToken)),
        ...(version !== undefined && { version }),
      });
      return toGitlabInstanceDto(row);
    },
    async delete(id: string): Promise<void> {
      const row = await repo.get(id);
      if (!row) throw new NotFoundError('GitLab instance', id);
      if (row._count.runners > 0) {
        throw new ConflictError(
          `GitLab instance "${row.name}" still has ${row._count.runners} runner(s) in Paddock; remove them first.`,
        );
      }
      await repo.delete(id);
    },
  };
}
