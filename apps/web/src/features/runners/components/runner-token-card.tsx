import type { RunnerTokenInfo } from '@paddock/contracts';
import { Detail, DetailList } from '../../../components/ui/details';
import { RelativeTime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';

/** Warn this long before a token expires: enough time to rotate it calmly. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type TokenExpiry = 'never' | 'valid' | 'expiring' | 'expired';

export function tokenExpiry(expiresAt: string | null, now: number = Date.now()): TokenExpiry {
  if (expiresAt === null) return 'never';
  const left = Date.parse(expiresAt) - now;
  if (left <= 0) return 'expired';
  return left <= EXPIRY_WARNING_DAYS * DAY_MS ? 'expiring' : 'valid';
}

/** The token as Paddock may show it: its last four characters and its dates, never the token itself. */
export function RunnerTokenCard({ token, now }: { token: RunnerTokenInfo; now?: number }) {
  const expiry = tokenExpiry(token.expiresAt, now);
  return (
    <section className="card" aria-labelledby="runner-token">
      <h2 id="runner-token">Token</h2>
      {expiry === 'expired' || expiry === 'expiring' ? (
        <div className={`notice ${expiry === 'expired' ? 'notice-danger' : 'notice-warning'}`}>
          <p>
            <StatusBadge tone={expiry === 'expired' ? 'danger' : 'warning'}>
              {expiry === 'expired' ? 'Expired' : 'Expires soon'}
            </StatusBadge>{' '}
            {expiry === 'expired'
              ? 'This token has expired: its machines cannot ask GitLab for jobs. Rotate it.'
              : `This token expires within ${EXPIRY_WARNING_DAYS} days. Rotate it before then, or its machines stop getting jobs.`}
          </p>
        </div>
      ) : null}
      <DetailList>
        <Detail term="Token">
          <code aria-label={`ends in ${token.last4}`}>••••{token.last4}</code>
        </Detail>
        <Detail term="Obtained">
          <RelativeTime value={token.obtainedAt} />
        </Detail>
        <Detail term="Expires">
          <RelativeTime value={token.expiresAt} fallback="does not expire" />
        </Detail>
        <Detail term="Last rotated">
          <RelativeTime value={token.rotatedAt} fallback="never" />
        </Detail>
      </DetailList>
    </section>
  );
}
