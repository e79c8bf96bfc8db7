/**
 * Problems found in a config.toml or a model: where (a path such as `runners[2].limit`) and what. Errors are what
 * gitlab-runner refuses (at load, in `lint`, or at run time); warnings are what it accepts but logs or ignores.
 */

export type Severity = 'error' | 'warning';

export interface Problem {
  /** `concurrent`, `runners[2].limit`, `runners[0].docker.pull_policy`, `runners[0].docker.sysctls["net.ipv4.ip_forward"]`; `''` for the file. */
  readonly path: string;
  readonly message: string;
  readonly severity: Severity;
}

export function error(path: string, message: string): Problem {
  return { path, message, severity: 'error' };
}

export function warning(path: string, message: string): Problem {
  return { path, message, severity: 'warning' };
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Appends a key to a path: `.key` when it reads plainly, `["key"]` otherwise. */
export function keyPath(base: string, key: string): string {
  if (PLAIN_KEY.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}
