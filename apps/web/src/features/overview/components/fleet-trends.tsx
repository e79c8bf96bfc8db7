/**
 * The overview's trends: running jobs against capacity, machines by status, and queue waits per tag set over the
 * last hour or day. Each figure links to the list behind it. Data comes from `/api/v1/fleet/trends`, read again
 * every 30 seconds (see get-fleet-trends.ts for why not on live events).
 */
import { Link } from '@tanstack/react-router';
import type { FleetRange, FleetTrends, MachineStatusFilter, QueueSeries } from '@paddock/contracts';
import { useState } from 'react';
import { BarList } from '../../../components/charts/bar-list';
import { LineChart } from '../../../components/charts/line-chart';
import { Button } from '../../../components/ui/button';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { formatRelative } from '../../../lib/format';
import { useFleetTrends } from '../api/get-fleet-trends';
import './overview.css';

/** Tag sets charted at most; the API sorts the longest current wait first. */
const MAX_QUEUE_CHARTS = 6;

export const STATUS_LOOK: Record<MachineStatusFilter, { label: string; color: string }> = {
  online: { label: 'Online', color: 'var(--ok)' },
  offline: { label: 'Offline', color: 'var(--danger)' },
  never_connected: { label: 'Never connected', color: 'var(--neutral)' },
  draining: { label: 'Draining', color: 'var(--warning)' },
  drifting: { label: 'Drifting', color: 'var(--warning)' },
  applying: { label: 'Applying config', color: 'var(--info)' },
  failed: { label: 'Apply failed', color: 'var(--danger)' },
  under_pressure: { label: 'Under pressure', color: 'var(--warning)' },
};

const RANGE_LABEL: Record<FleetRange, string> = { hour: 'Last hour', day: 'Last day' };

/** "45 s", "12 min", "2 h 5 min". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

const lastMeasured = <T,>(values: ReadonlyArray<T | null>): T | null =>
  values.findLast((v): v is T => v !== null) ?? null;

export function FleetTrendsSection() {
  const [range, setRange] = useState<FleetRange>('hour');
  const trends = useFleetTrends(range);
  return (
    <section className="section" aria-labelledby="overview-trends">
      <div className="trends-head">
        <h2 id="overview-trends">Trends</h2>
        <div className="trends-range" role="group" aria-label="Time range">
          {(['hour', 'day'] as const).map((r) => (
            <Button
              key={r}
              variant={r === range ? 'primary' : 'secondary'}
              aria-pressed={r === range}
              onClick={() => setRange(r)}
            >
              {RANGE_LABEL[r]}
            </Button>
          ))}
        </div>
      </div>
      {trends.isError ? (
        <ErrorState
          title="Trends could not be loaded"
          error={trends.error}
          onRetry={() => void trends.refetch()}
          retrying={trends.isFetching}
          level={3}
        />
      ) : trends.data ? (
        <TrendCharts trends={trends.data} />
      ) : (
        <LoadingState label="Loading trends…" />
      )}
    </section>
  );
}

export function TrendCharts({ trends }: { trends: FleetTrends }) {
  const x = trends.capacity.map((p) => new Date(p.at).getTime());
  const running = trends.capacity.map((p) => p.running);
  const limit = trends.capacity.map((p) => p.limit);
  const runningNow = lastMeasured(running);
  const limitNow = lastMeasured(limit);
  const span = trends.range === 'hour' ? 'the last hour, per minute' : 'the last day, per 15 minutes';
  return (
    <>
      <p className="muted trends-sampled">
        {trends.sampledAt
          ? `Sampled ${formatRelative(trends.sampledAt)}.`
          : 'No samples yet: the first is taken within a minute.'}
      </p>
      <div className="trends-grid">
        <article className="card trends-card">
          <h3>Running jobs against capacity</h3>
          <p className="trends-figures">
            <Link to="/jobs">
              <strong>{runningNow ?? '–'}</strong> running
            </Link>{' '}
            of{' '}
            <Link to="/machines" search={{ status: ['online'] }}>
              <strong>{limitNow ?? '–'}</strong> slots on online machines
            </Link>
          </p>
          <LineChart
            title="Running jobs against capacity"
            description={`Jobs running on all machines and the jobs they could run at once, over ${span}.`}
            x={x}
            series={[
              { id: 'running', label: 'Running', values: running, color: 'var(--brand)', area: true },
              { id: 'limit', label: 'Capacity', values: limit, color: 'var(--neutral)', dashed: true },
            ]}
          />
        </article>
        <article className="card trends-card">
          <h3>Machines by status</h3>
          <p className="trends-figures">
            <Link to="/machines">
              <strong>{trends.machines.total}</strong> machines
            </Link>
          </p>
          <BarList
            label="Machines by status"
            items={trends.machines.byStatus.map(({ status, count }) => ({
              key: status,
              value: count,
              color: STATUS_LOOK[status].color,
              label: (
                <Link to="/machines" search={{ status: [status] }}>
                  {STATUS_LOOK[status].label}
                </Link>
              ),
            }))}
          />
        </article>
      </div>
      <h3 className="trends-subhead">Queue wait per tag set</h3>
      {trends.queues.length === 0 ? (
        <p className="muted">No jobs were queued in this range.</p>
      ) : (
        <div className="trends-grid">
          {trends.queues.slice(0, MAX_QUEUE_CHARTS).map((q) => (
            <QueueChart key={q.tagSetKey} queue={q} span={span} />
          ))}
        </div>
      )}
      {trends.queues.length > MAX_QUEUE_CHARTS ? (
        <p className="muted">
          {trends.queues.length - MAX_QUEUE_CHARTS} more tag sets: see <Link to="/jobs">job queues</Link>.
        </p>
      ) : null}
    </>
  );
}

function QueueChart({ queue, span }: { queue: QueueSeries; span: string }) {
  const name = queue.tagSetKey === '' ? 'untagged jobs' : queue.tags.join(', ');
  const x = queue.points.map((p) => new Date(p.at).getTime());
  const pendingNow = lastMeasured(queue.points.map((p) => p.pending));
  // The jobs page filtered to this tag set, with the jobs API's own parameter name.
  const jobsSearch = { tagSet: queue.tagSetKey };
  return (
    <article className="card trends-card">
      <h4>
        <Link to="/jobs" search={jobsSearch}>
          {queue.tagSetKey === '' ? 'Untagged' : name}
        </Link>
      </h4>
      <p className="trends-figures">
        <Link to="/jobs" search={jobsSearch}>
          <strong>{pendingNow ?? 0}</strong> pending
        </Link>
      </p>
      <LineChart
        title={`Queue wait for ${name}`}
        description={`Median (p50) and 95th percentile (p95) wait of jobs for ${name}, over ${span}.`}
        x={x}
        height={140}
        formatY={formatSeconds}
        series={[
          {
            id: 'p50',
            label: 'p50 wait',
            values: queue.points.map((p) => p.waitP50Seconds),
            color: 'var(--info)',
          },
          {
            id: 'p95',
            label: 'p95 wait',
            values: queue.points.map((p) => p.waitP95Seconds),
            color: 'var(--warning)',
            dashed: true,
          },
        ]}
      />
    </article>
  );
}
