import { StatusBadge } from '../components/ui/status-badge';
import { formatClock, formatDateTime } from '../lib/format';
import { useLiveState } from '../lib/live/live-context';

/** Whether pages update by themselves: "Live", "Connecting…" or "Offline since 14:05 — reconnecting". */
export function LiveIndicator() {
  const state = useLiveState();
  let badge;
  if (state.status === 'live') {
    badge = (
      <StatusBadge tone="ok" title="Pages update as soon as something changes.">
        Live
      </StatusBadge>
    );
  } else if (state.status === 'connecting') {
    badge = (
      <StatusBadge tone="neutral" icon="sync">
        Connecting…
      </StatusBadge>
    );
  } else {
    const since = new Date(state.since).toISOString();
    badge = (
      <StatusBadge
        tone="warning"
        title={`No live updates since ${formatDateTime(since)}; pages with changes in flight refresh by themselves meanwhile.`}
      >
        {`Offline since ${formatClock(state.since)} — reconnecting`}
      </StatusBadge>
    );
  }
  return (
    <div className="live-indicator" role="status">
      <span className="visually-hidden">Live updates: </span>
      {badge}
    </div>
  );
}
