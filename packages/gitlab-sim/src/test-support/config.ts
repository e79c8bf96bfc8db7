/** config.toml text for tests, written the way gitlab-runner's users write it. */

export interface TestRunner {
  readonly name: string;
  readonly token: string;
  readonly limit?: number;
  readonly requestConcurrency?: number;
  readonly executor?: string;
  /** FF_USE_ADAPTIVE_REQUEST_CONCURRENCY; absent keeps gitlab-runner's default (on). */
  readonly adaptive?: boolean;
  readonly extra?: string;
}

export interface TestConfig {
  readonly concurrent?: number;
  readonly listenAddress?: string;
  readonly runners?: readonly TestRunner[];
  readonly top?: string;
}

export function configToml(config: TestConfig): string {
  const lines: string[] = [];
  if (config.concurrent !== undefined) lines.push(`concurrent = ${config.concurrent}`);
  if (config.listenAddress !== undefined)
    lines.push(`listen_address = ${JSON.stringify(config.listenAddress)}`);
  if (config.top) lines.push(config.top);
  for (const r of config.runners ?? []) {
    lines.push(
      '',
      '[[runners]]',
      `  name = ${JSON.stringify(r.name)}`,
      '  url = "https://gitlab.example.com"',
    );
    lines.push(
      `  token = ${JSON.stringify(r.token)}`,
      `  executor = ${JSON.stringify(r.executor ?? 'docker')}`,
    );
    if (r.limit !== undefined) lines.push(`  limit = ${r.limit}`);
    if (r.requestConcurrency !== undefined) lines.push(`  request_concurrency = ${r.requestConcurrency}`);
    if (r.extra) lines.push(r.extra);
    if (r.adaptive !== undefined) {
      lines.push('  [runners.feature_flags]', `    FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = ${r.adaptive}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
