/** Where the agent finds gitlab-runner's config on a standard Linux install. */
export const DEFAULT_RUNNER_CONFIG = '/etc/gitlab-runner/config.toml';

/** Where the install commands put the agent, on the PATH of a standard Linux install. */
export const AGENT_INSTALL_PATH = '/usr/local/bin/paddock-agent';

/** Installs the agent served by this Paddock (`/downloads/paddock-agent.js`), so its version matches the server. */
export function installCommands(server: string): string[] {
  return [
    `curl -fsSLo ${AGENT_INSTALL_PATH} ${server}/downloads/paddock-agent.js`,
    `chmod 0755 ${AGENT_INSTALL_PATH}`,
  ];
}

/** The two commands a host runs to join this Paddock: enroll once with the token, then run the agent. */
export function enrollCommands(server: string, token: string): string[] {
  return [
    `paddock-agent enroll --server ${server} --token ${token}`,
    `paddock-agent run --config ${DEFAULT_RUNNER_CONFIG}`,
  ];
}
