/** Where the agent finds gitlab-runner's config on a standard Linux install. */
export const DEFAULT_RUNNER_CONFIG = '/etc/gitlab-runner/config.toml';

/** The two commands a host runs to join this Paddock: enroll once with the token, then run the agent. */
export function enrollCommands(server: string, token: string): string[] {
  return [
    `paddock-agent enroll --server ${server} --token ${token}`,
    `paddock-agent run --config ${DEFAULT_RUNNER_CONFIG}`,
  ];
}
