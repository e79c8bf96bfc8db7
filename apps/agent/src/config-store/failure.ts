/** Maps filesystem errors to the protocol's failure codes, and formats them without secrets. */
import type { Failed } from '@paddock/protocol';
import { errnoCode } from '../fs/file-system.js';

export type FailureCode = Failed['code'];

export function failureCodeOf(err: unknown): FailureCode {
  switch (errnoCode(err)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission_denied';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'disk_full';
    case 'EROFS':
      return 'read_only';
    default:
      return 'io_error';
  }
}

/** "cannot write /etc/gitlab-runner/config.toml: ENOSPC (no space left on device)" */
export function describeFsError(action: string, err: unknown): string {
  const code = errnoCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  // Node's messages start with "CODE: text, syscall path"; keep only the text.
  const text = code && detail.startsWith(`${code}: `) ? detail.slice(code.length + 2).split(',')[0] : detail;
  return `cannot ${action}: ${code ? `${code} (${text})` : text}`;
}
