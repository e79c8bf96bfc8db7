/**
 * The overview's fleet health: what the wall screen shows, for people signed in. It reads the whole fleet's wall
 * summary and follows the `wall` topic, whose pushes the live bridge writes into the same cache entry, so the
 * figures move within a second of a machine changing; each figure links to the list behind it.
 */
import type { WallFilter, WallSummary } from '@paddock/contracts';
import { Link } from '@tanstack/react-router';
import { ErrorState } from '../../../components/ui/error-state';
import { StatusBadge } from '../../../components/ui/status-badge';
import { useIsLive, useLiveTopic } from '../../../lib/live/live-context';
import { useWallSummary } from '../../wall/api/get-wall-summary';
import { formatSeconds } from './fleet-trends';
import { Stat } from './stat';

const WHOLE_FLEET: WallFilter = { tags: null, label: null };
/** how often the summary is read while the live socket is down */
const POLL_WHILE_OFFLINE_MS = 30_000;
const TAG_SETS_SHOWN = 5;

const UNSERVED_TEXT = {
  no_runner_with_tags: 'no online runner has these tags',
  all_matching_paused: 'every runner with these tags is paused',
  protected_runners_only: 'only runners for protected refs could take them',
  all_matching_at_capacity: 'every runner is full',
} as const;

/** The whole fleet's health summary, live. */
export function useFleetHealth() {
  useLiveTopic('wall');
  const live = useIsLive();
  return useWallSummary(undefined, WHOLE_FLEET, live ? false : POLL_WHILE_OFFLINE_MS);
}

const tagsText = (tags: string[]) => (tags.length > 0 ? tags.join(', ') : 'untagged jobs');

export function FleetHealthSection({ health }: { health: ReturnType<typeof useFleetHealth> }) {
  const summary = health.data;
  return (
    <section className="section" aria-labelledby="overview-health">
      <div className="trends-head">
        <h2 id="overview-health">Fleet health</h2>
        {summary ? (
          <p className="muted trends-sampled">
            As of <time dateTime={summary.at}>{new Date(summary.at).toLocaleTimeString()}</time>
          </p>
        ) : null}
      </div>
      {health.isError && !summary ? (
        <ErrorState
          title="Fleet health could not be loaded"
          error={health.error}
          onRetry={() => void health.refetch()}
          retrying={health.isFetching}
        />
      ) : (
        <HealthFigures summary={summary} />
      )}
      {summary ? <Queues summary={summary} /> : null}
    </section>
  );
}

function HealthFigures({ summary }: { summary: WallSummary | undefined }) {
  const m = summary?.machines;
  const capacity = summary?.capacity;
  const used =
    capacity && capacity.limit > 0 ? `${Math.round((capacity.running / capacity.limit) * 100)} %` : '—';
  const failures = summary ? summary.failuresLastHour.jobs + summary.failuresLastHour.revisions : undefined;
  return (
    <>
      <ul className="stats" aria-label="Machines">
        <Stat
          label={<StatusBadge tone="ok">Online</StatusBadge>}
          value={m?.online}
          detail={m && `of ${m.total}`}
        >
          <Link to="/machines" search={{ status: ['online'] }}>
            Show online machines
          </Link>
        </Stat>
        <Stat
          label={<StatusBadge tone="danger">Offline</StatusBadge>}
          value={m?.offline}
          detail={m && m.neverConnected > 0 ? `${m.neverConnected} never connected` : undefined}
        >
          <Link to="/machines" search={{ status: ['offline', 'never_connected'] }}>
            Show offline machines
          </Link>
        </Stat>
        <Stat label={<StatusBadge tone="warning">Drifting</StatusBadge>} value={m?.drifting}>
          <Link to="/machines" search={{ status: ['drifting'] }}>
            Show drifting machines
          </Link>
        </Stat>
        <Stat
          label={
            <StatusBadge tone="neutral" icon="pause">
              Draining
            </StatusBadge>
          }
          value={m?.draining}
        >
          <Link to="/machines" search={{ status: ['draining'] }}>
            Show draining machines
          </Link>
        </Stat>
        <Stat
          label={<StatusBadge tone="warning">Under pressure</StatusBadge>}
          value={m?.underPressure}
          detail="CPU or memory over 90 % for 5 min"
        >
          <Link to="/machines" search={{ status: ['under_pressure'] }}>
            Show machines under pressure
          </Link>
        </Stat>
      </ul>
      <ul className="stats" aria-label="Jobs">
        <Stat label="Jobs running" value={summary?.jobs.running}>
          <Link to="/jobs">Job queues</Link>
        </Stat>
        <Stat label="Jobs pending" value={summary?.jobs.pending}>
          <Link to="/jobs">Job queues</Link>
        </Stat>
        <Stat
          label="Capacity used"
          value={summary ? used : undefined}
          detail={capacity && `${capacity.running} of ${capacity.limit} slots on online machines`}
        >
          <Link to="/machines" search={{ status: ['online'] }}>
            Online machines
          </Link>
        </Stat>
        <Stat
          label="Failures, last hour"
          value={failures}
          detail={
            summary &&
            `${summary.failuresLastHour.jobs} jobs, ${summary.failuresLastHour.revisions} config applies`
          }
        >
          <Link to="/machines" search={{ status: ['failed'] }}>
            Machines whose config failed
          </Link>
        </Stat>
      </ul>
    </>
  );
}

function Queues({ summary }: { summary: WallSummary }) {
  const waiting = summary.tagSets.filter((t) => t.pending > 0).slice(0, TAG_SETS_SHOWN);
  return (
    <div className="health-queues">
      <div className="card">
        <h3>Longest waits by tag set</h3>
        {waiting.length === 0 ? (
          <p className="muted">No job is waiting.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Tag set</th>
                <th scope="col">Oldest wait</th>
                <th scope="col">Pending</th>
                <th scope="col">Running</th>
              </tr>
            </thead>
            <tbody>
              {waiting.map((t) => (
                <tr key={t.tagSetKey}>
                  <th scope="row">
                    <Link to="/jobs" search={{ tagSet: t.tagSetKey }}>
                      {tagsText(t.tags)}
                    </Link>
                  </th>
                  <td>{t.oldestWaitSeconds === null ? '—' : formatSeconds(t.oldestWaitSeconds)}</td>
                  <td>{t.pending.toLocaleString()}</td>
                  <td>{t.running.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="card">
        <h3>Jobs no runner can take</h3>
        {summary.unservedTagSets.length === 0 ? (
          <p className="muted">Every waiting job has a runner that can take it.</p>
        ) : (
          <ul className="health-unserved">
            {summary.unservedTagSets.map((t) => (
              <li key={t.tagSetKey}>
                <StatusBadge tone="danger">Stuck</StatusBadge>{' '}
                <Link to="/jobs" search={{ tagSet: t.tagSetKey }}>
                  {tagsText(t.tags)}
                </Link>
                : {t.pending.toLocaleString()} waiting, {UNSERVED_TEXT[t.reason]}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
