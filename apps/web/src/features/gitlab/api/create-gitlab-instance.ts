import { useMutation, useQueryClient } from '@tanstack/react-query';
import { GitlabInstance } from '@paddock/contracts';
import type { CreateGitlabInstanceBody } from '@paddock/contracts';
import { apiSend } from '../../../lib/api-client';
import { gitlabInstancesKey } from './get-gitlab-instances';

export function createGitlabInstance(body: CreateGitlabInstanceBody): Promise<GitlabInstance> {
  return apiSend('POST', '/api/v1/gitlab-instances', body, GitlabInstance);
}

export function useCreateGitlabInstance() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createGitlabInstance,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: gitlabInstancesKey }),
  });
}
