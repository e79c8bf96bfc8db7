import { formatDateTime } from '../../lib/format';
import { StatusBadge } from './status-badge';

export interface CredentialStateProps {
  /** The API's verdict: usable right now. */
  active: boolean;
  revokedAt: string | null;
  expiresAt?: string | null;
}

/** Whether a token works, and if not why; the reason follows from its fields. */
export function CredentialState({ active, revokedAt, expiresAt }: CredentialStateProps) {
  if (revokedAt) {
    return (
      <StatusBadge tone="danger" title={`Revoked ${formatDateTime(revokedAt)}`}>
        Revoked
      </StatusBadge>
    );
  }
  if (active) return <StatusBadge tone="ok">Active</StatusBadge>;
  return (
    <StatusBadge
      tone="warning"
      icon="ring"
      title={expiresAt ? `Expired ${formatDateTime(expiresAt)}` : undefined}
    >
      Expired
    </StatusBadge>
  );
}
