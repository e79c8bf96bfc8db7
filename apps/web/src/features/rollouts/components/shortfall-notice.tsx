import { Link } from '@tanstack/react-router';
import type { Rollout } from '@paddock/contracts';
import { StatusBadge } from '../../../components/ui/status-badge';
import { formatCount } from '../../../lib/format';

/**
 * Fleet budgets smaller than their number of healthy machines: a share cannot be less than one job, so some
 * machines get none of that runner's jobs. Said plainly, because nothing else on screen would show it.
 */
export function ShortfallNotice({
  shortfalls,
  currentRunnerId,
}: {
  shortfalls: Rollout['shortfalls'];
  /** On a runner's own page its shortfall reads "this runner"; others link to their runner. */
  currentRunnerId?: string;
}) {
  if (shortfalls.length === 0) return null;
  return (
    <div className="notice notice-warning" role="alert">
      <p className="notice-title">
        <StatusBadge tone="warning">Budget too small</StatusBadge>
      </p>
      <ul className="notice-list">
        {shortfalls.map((s) => {
          const idle = Math.max(0, s.healthy - s.budget);
          const runner =
            s.runnerId === currentRunnerId ? (
              'this runner'
            ) : (
              <Link to="/runners/$id" params={{ id: s.runnerId }}>
                a runner
              </Link>
            );
          return (
            <li key={s.runnerId}>
              The fleet budget of {runner} is {formatCount(s.budget, 'job', 'jobs')} for{' '}
              {formatCount(s.healthy, 'healthy machine', 'healthy machines')}, so{' '}
              <strong>
                {formatCount(idle, 'machine gets', 'machines get')} none of{' '}
                {s.runnerId === currentRunnerId ? "this runner's" : 'its'} jobs
              </strong>
              . Raise the budget to at least {s.healthy} to give every healthy machine a share.
            </li>
          );
        })}
      </ul>
    </div>
  );
}
