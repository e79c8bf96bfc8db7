import type {
  ConnectionState,
  Machine,
  MachineStatusFilter,
  Revision,
  RevisionState,
} from '@paddock/contracts';
import { RelativeTime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';
import type { StatusIcon, StatusTone } from '../../../components/ui/status-badge';

interface StatusLook {
  tone: StatusTone;
  label: string;
  icon?: StatusIcon;
}

export const CONNECTION_LOOK: Record<ConnectionState, StatusLook> = {
  online: { tone: 'ok', label: 'Online' },
  offline: { tone: 'danger', label: 'Offline' },
  never_connected: { tone: 'neutral', label: 'Never connected' },
};

export const REVISION_LOOK: Record<RevisionState, StatusLook> = {
  none: { tone: 'neutral', label: 'No config yet' },
  in_sync: { tone: 'ok', label: 'Config in sync' },
  applying: { tone: 'info', label: 'Applying' },
  failed: { tone: 'danger', label: 'Apply failed' },
};

export const MACHINE_STATUS_LABELS: Record<MachineStatusFilter, string> = {
  online: 'Online',
  offline: 'Offline',
  never_connected: 'Never connected',
  draining: 'Draining',
  drifting: 'Drifting',
  applying: 'Applying',
  failed: 'Apply failed',
  under_pressure: 'Under pressure',
};

function Look({ look, title }: { look: StatusLook; title?: string }) {
  return (
    <StatusBadge tone={look.tone} icon={look.icon} title={title}>
      {look.label}
    </StatusBadge>
  );
}

/** Connection, draining, drift and revision state as separate badges: a machine can be several at once. */
export function MachineStatusBadges({
  machine,
  detailed = false,
}: {
  machine: Machine;
  /** On the machine's own page: say since when it drains. */
  detailed?: boolean;
}) {
  const revisionTitle =
    machine.revisionState === 'applying'
      ? `Applying revision ${machine.desiredRevision} (applied: ${machine.appliedRevision ?? 'none'})`
      : undefined;
  return (
    <ul className="badge-list">
      <li>
        <Look look={CONNECTION_LOOK[machine.connectionState]} />
      </li>
      {machine.drainingSince ? (
        <li>
          <StatusBadge tone="warning" icon="pause">
            {detailed ? <DrainingSince since={machine.drainingSince} /> : 'Draining'}
          </StatusBadge>
        </li>
      ) : null}
      {machine.drifting ? (
        <li>
          <StatusBadge
            tone="warning"
            title={machine.driftKeys.length > 0 ? `Changed: ${machine.driftKeys.join(', ')}` : undefined}
          >
            Drifting
          </StatusBadge>
        </li>
      ) : null}
      <li>
        <Look look={REVISION_LOOK[machine.revisionState]} title={revisionTitle} />
      </li>
    </ul>
  );
}

/** "Draining since 5 minutes ago", the exact time on hover. */
export function DrainingSince({ since }: { since: string }) {
  return (
    <>
      Draining since <RelativeTime value={since} />
    </>
  );
}

/** Labels as `key=value` strings, sorted so every view lists them the same way. */
export function labelStrings(labels: Record<string, string>): string[] {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => (value === '' ? key : `${key}=${value}`));
}

export const REVISION_STATUS_LOOK: Record<Revision['status'], StatusLook> = {
  pending: { tone: 'info', label: 'Pending' },
  applied: { tone: 'ok', label: 'Applied' },
  failed: { tone: 'danger', label: 'Failed' },
  superseded: { tone: 'neutral', label: 'Superseded' },
};

/** One revision's status: pending (on its way), applied, failed (with the agent's error) or superseded. */
export function RevisionStatusBadge({ status, title }: { status: Revision['status']; title?: string }) {
  return <Look look={REVISION_STATUS_LOOK[status]} title={title} />;
}
