import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from '../../../lib/api-client';
import { gitlabInstancesKey } from './get-gitlab-instances';

export function deleteGitlabInstance(id: string): Promise<void> {
  return apiSend('DELETE', `/api/v1/gitlab-instances/${encodeURIComponent(id)}`, undefined, null);
}

export function useDeleteGitlabInstance(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => deleteGitlabInstance(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: gitlabInstancesKey }),
  });
}
