import { GitlabInstance } from '@paddock/contracts';

export function aGitlabInstance(overrides: Partial<GitlabInstance> = {}): GitlabInstance {
  return GitlabInstance.parse({
    id: '0190f1a2-0000-7000-8000-00000000aaaa',
    name: 'GitLab.com',
    url: 'https://gitlab.com',
    accessTokenLast4: 'a1b2',
    version: '18.2.1',
    lastSyncAt: '2025-01-01T10:00:00.000Z',
    lastSyncError: null,
    runnerCount: 0,
    createdAt: '2025-01-01T09:00:00.000Z',
    updatedAt: '2025-01-01T10:00:00.000Z',
    ...overrides,
  });
}
