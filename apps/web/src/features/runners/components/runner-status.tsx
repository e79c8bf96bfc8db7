import type { Runner, RunnerStatusFilter, RunnerType } from '@paddock/contracts';
import { StatusBadge } from '../../../components/ui/status-badge';

export const RUNNER_STATUS_LABELS: Record<RunnerStatusFilter, string> = {
  online: 'Online',
  offline: 'Offline',
  stale: 'Stale',
  never_contacted: 'Never contacted',
  paused: 'Paused',
};

export const RUNNER_TYPE_LABELS: Record<RunnerType, string> = {
  instance_type: 'Instance',
  group_type: 'Group',
  project_type: 'Project',
};

/** GitLab's own status string; GitLab may add values, so anything unknown is shown as it came. */
export function RunnerStatusBadge({ status }: { status: string | null }) {
  switch (status) {
    case 'online':
      return <StatusBadge tone="ok">Online</StatusBadge>;
    case 'offline':
      return <StatusBadge tone="danger">Offline</StatusBadge>;
    case 'stale':
      return <StatusBadge tone="warning">Stale</StatusBadge>;
    case 'never_contacted':
      return <StatusBadge tone="neutral">Never contacted</StatusBadge>;
    case null:
      return <StatusBadge tone="neutral">Unknown</StatusBadge>;
    default:
      return <StatusBadge tone="neutral">{status.replaceAll('_', ' ')}</StatusBadge>;
  }
}

export function PausedBadge({ paused }: { paused: boolean }) {
  return paused ? (
    <StatusBadge tone="warning" icon="pause">
      Paused
    </StatusBadge>
  ) : (
    <StatusBadge tone="ok" icon="dot">
      Active
    </StatusBadge>
  );
}

/** "4 per machine", "12 across the fleet", "unlimited"; 0 means no limit in gitlab-runner. */
export function formatTokenLimit(token: Runner['token']): string {
  if (!token) return 'no token';
  if (token.limitValue === 0)
    return token.limitMode === 'per_machine' ? 'unlimited per machine' : 'unlimited';
  return token.limitMode === 'per_machine'
    ? `${token.limitValue} per machine`
    : `${token.limitValue} across the fleet`;
}
