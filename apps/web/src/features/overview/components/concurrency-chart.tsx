/**
 * Running jobs against the limit of one machine or one runner over the last hour or day, ready to place on the
 * machine and runner pages: `<ConcurrencyChart subject={{ machineId }} />`.
 */
import type { FleetRange } from '@paddock/contracts';
import { useState } from 'react';
import { LineChart } from '../../../components/charts/line-chart';
import { Button } from '../../../components/ui/button';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { useFleetConcurrency, type ConcurrencySubject } from '../api/get-fleet-concurrency';
import './overview.css';

export function ConcurrencyChart({ subject }: { subject: ConcurrencySubject }) {
  const [range, setRange] = useState<FleetRange>('hour');
  const query = useFleetConcurrency(subject, range);
  const kind = 'machineId' in subject ? 'machine' : 'runner';
  return (
    <section className="card trends-card" aria-label="Running jobs against the limit">
      <div className="trends-head">
        <h2>Running jobs against the limit</h2>
        <div className="trends-range" role="group" aria-label="Time range">
          {(['hour', 'day'] as const).map((r) => (
            <Button
              key={r}
              variant={r === range ? 'primary' : 'secondary'}
              aria-pressed={r === range}
              onClick={() => setRange(r)}
            >
              {r === 'hour' ? 'Last hour' : 'Last day'}
            </Button>
          ))}
        </div>
      </div>
      {query.isError ? (
        <ErrorState
          title="The history could not be loaded"
          error={query.error}
          onRetry={() => void query.refetch()}
          retrying={query.isFetching}
          level={3}
        />
      ) : query.data ? (
        <LineChart
          title={`Running jobs against the limit of ${query.data.subject.name ?? `this ${kind}`}`}
          description={
            kind === 'machine'
              ? 'Jobs running on this machine and the jobs it could run at once, from its agent.'
              : "Jobs this runner ran, from GitLab's job data, and its limit summed over its machines."
          }
          x={query.data.points.map((p) => new Date(p.at).getTime())}
          series={[
            {
              id: 'running',
              label: 'Running',
              values: query.data.points.map((p) => p.running),
              color: 'var(--brand)',
              area: true,
            },
            {
              id: 'limit',
              label: 'Limit',
              values: query.data.points.map((p) => p.limit),
              color: 'var(--neutral)',
              dashed: true,
            },
          ]}
        />
      ) : (
        <LoadingState label="Loading history…" />
      )}
    </section>
  );
}
