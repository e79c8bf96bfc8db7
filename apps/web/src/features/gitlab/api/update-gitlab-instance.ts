import { useMutation, useQueryClient } from '@tanstack/react-query';
import { GitlabInstance } from '@paddock/contracts';
import type { UpdateGitlabInstanceBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { gitlabInstancesKey } from './get-gitlab-instances';

export function updateGitlabInstance(id: string, body: UpdateGitlabInstanceBody): Promise<GitlabInstance> {
  return apiSend('PATCH', `/api/v1/gitlab-instances/${encodeURIComponent(id)}`, body, GitlabInstance);
}

export function useUpdateGitlabInstance(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateGitlabInstanceBody) => updateGitlabInstance(id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: gitlabInstancesKey }),
  });
}
