/**
 * The host's own figures (CPU, load, memory) and the pressure flag: a host above 90 % for five minutes while jobs
 * run, or idle while jobs wait for its full runners. The suggested limits are proposals only: "Review" opens the
 * runner's normal limit editor with the suggestion filled in, and nothing changes until a person saves it.
 */
import { useId, useState } from 'react';
import { Link } from '@tanstack/react-router';
import type { Machine, MachineHost, MachinePressure, MachineRunnerLimit } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { Detail, DetailList } from '../../../components/ui/details';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { RelativeTime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';
import { TableWrap } from '../../../components/ui/table-wrap';
import { formatBytes } from '../../../lib/format';
import { useCurrentUser } from '../../auth/api/get-session';
import { roleAllows } from '../../auth/roles';
import { useRunner } from '../../runners/api/get-runner';
import { TokenLimitEditor } from '../../runners/components/token-limit-editor';
import { prefillSuggestion } from '../pressure-prefill';

const percent = (n: number) => `${Math.round(n)} %`;

const PRESSURE_LOOK: Record<MachinePressure['level'], { label: string; title: string }> = {
  high: { label: 'Host overloaded', title: 'CPU or memory above 90 % for 5 minutes while jobs run' },
  idle: { label: 'Idle, jobs waiting', title: 'CPU and memory below 50 % while jobs wait for full runners' },
};

export function PressureBadge({ pressure }: { pressure: MachinePressure }) {
  const look = PRESSURE_LOOK[pressure.level];
  return (
    <StatusBadge tone={pressure.level === 'high' ? 'warning' : 'info'} title={look.title}>
      {look.label}
    </StatusBadge>
  );
}

function memoryText(host: MachineHost): string {
  const used = Math.max(0, host.memoryBytes - host.memoryAvailableBytes);
  return `${formatBytes(used)} of ${formatBytes(host.memoryBytes)} (${percent(host.memoryPercent)})`;
}

/** CPU and memory use in a list row, with the flag when there is one. */
export function HostUsage({ machine }: { machine: Machine }) {
  const { host, pressure } = machine;
  if (!host) return <span className="muted">—</span>;
  return (
    <span className="host-usage">
      <span>
        CPU {percent(host.cpuPercent)} · Memory {percent(host.memoryPercent)}
      </span>
      {pressure ? (
        <>
          {' '}
          <PressureBadge pressure={pressure} />
        </>
      ) : null}
    </span>
  );
}

const limitText = (limit: number | null) => (limit == null || limit === 0 ? 'unlimited' : String(limit));

/** The host figures and, when flagged, the runner tokens on this host with their suggested limits. */
export function HostCard({ machine }: { machine: Machine }) {
  const headingId = useId();
  const { host, pressure } = machine;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Host</h2>
      {host ? (
        <DetailList>
          <Detail term="CPUs">{host.cpuCount}</Detail>
          <Detail term="Load (1 min)">{host.load1.toFixed(2)}</Detail>
          <Detail term="CPU use">
            {host.cpuBusyPercent != null
              ? percent(host.cpuBusyPercent)
              : `${percent(host.cpuPercent)} (load per CPU; this agent does not measure CPU time)`}
          </Detail>
          <Detail term="Memory used">{memoryText(host)}</Detail>
          <Detail term="Jobs running">{host.runningJobs}</Detail>
        </DetailList>
      ) : (
        <p className="muted">The agent has not reported this host&apos;s figures yet.</p>
      )}
      {pressure ? <PressureNotice machine={machine} pressure={pressure} /> : null}
    </section>
  );
}

function PressureNotice({ machine, pressure }: { machine: Machine; pressure: MachinePressure }) {
  const headingId = useId();
  const user = useCurrentUser();
  const canEdit = Boolean(user && roleAllows(user.role, 'operator'));
  const [reviewing, setReviewing] = useState<string>();
  const high = pressure.level === 'high';
  const reviewed = pressure.runners.find((r) => r.runnerId === reviewing && r.suggestedLimit !== null);

  return (
    <section className="banner" aria-labelledby={headingId}>
      <div className="banner-head">
        <PressureBadge pressure={pressure} />
        <h3 id={headingId}>
          {high ? 'This host is overloaded' : 'This host is idle while jobs wait for its runners'}
        </h3>
      </div>
      <p>
        {high
          ? 'CPU or memory use has stayed above 90 % while jobs ran'
          : 'CPU and memory use have stayed below 50 % while runners here are at their limit and jobs wait for their tags'}{' '}
        since <RelativeTime value={pressure.since} />. Paddock changes no limit by itself: review a suggestion
        in the runner&apos;s limit editor and save it there if it suits.
      </p>
      <TableWrap label="Runner limits on this host">
        <table className="table">
          <caption className="visually-hidden">
            Runner tokens on {machine.hostname} and suggested limits
          </caption>
          <thead>
            <tr>
              <th scope="col">Runner</th>
              <th scope="col" className="num">
                Limit here
              </th>
              <th scope="col" className="num">
                Running
              </th>
              {high ? null : (
                <th scope="col" className="num">
                  Waiting
                </th>
              )}
              <th scope="col" className="num">
                Suggested limit
              </th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {pressure.runners.map((r) => (
              <RunnerLimitRow
                key={r.runnerId}
                entry={r}
                showWaiting={!high}
                canEdit={canEdit}
                reviewing={reviewing === r.runnerId}
                onReview={() => setReviewing(reviewing === r.runnerId ? undefined : r.runnerId)}
              />
            ))}
          </tbody>
        </table>
      </TableWrap>
      {reviewed ? <SuggestedLimitEditor machineId={machine.id} entry={reviewed} /> : null}
    </section>
  );
}

function RunnerLimitRow({
  entry,
  showWaiting,
  canEdit,
  reviewing,
  onReview,
}: {
  entry: MachineRunnerLimit;
  showWaiting: boolean;
  canEdit: boolean;
  reviewing: boolean;
  onReview: () => void;
}) {
  const name = entry.description ?? 'runner';
  return (
    <tr>
      <th scope="row">
        <Link to="/runners/$id" params={{ id: entry.runnerId }}>
          {name}
        </Link>
        {entry.limitMode === 'fleet_budget' ? (
          <span className="small muted"> (fleet budget of {entry.limitValue})</span>
        ) : null}
      </th>
      <td className="num">{limitText(entry.effectiveLimit)}</td>
      <td className="num">{entry.running}</td>
      {showWaiting ? <td className="num">{entry.waiting}</td> : null}
      <td className="num">{entry.suggestedLimit ?? '—'}</td>
      <td>
        {entry.suggestedLimit !== null && canEdit ? (
          <Button
            variant={reviewing ? 'ghost' : 'secondary'}
            aria-expanded={reviewing}
            onClick={onReview}
            aria-label={`${reviewing ? 'Close' : 'Review'} the suggested limit for ${name}`}
          >
            {reviewing ? 'Close' : 'Review in limit editor'}
          </Button>
        ) : null}
      </td>
    </tr>
  );
}

/** The runner's normal limit editor, started from the suggestion: saving is the same PATCH as on its own page. */
function SuggestedLimitEditor({ machineId, entry }: { machineId: string; entry: MachineRunnerLimit }) {
  const runner = useRunner(entry.runnerId);
  if (runner.isPending) return <LoadingState label="Loading the runner’s limits…" />;
  if (runner.isError)
    return (
      <ErrorState
        title="Could not load the runner’s limits"
        error={runner.error}
        onRetry={() => void runner.refetch()}
        retrying={runner.isFetching}
      />
    );
  if (!runner.data.token) return <p className="muted">This runner has no token Paddock manages.</p>;
  return (
    <TokenLimitEditor
      key={`${entry.runnerId}:${entry.suggestedLimit}`}
      runner={runner.data}
      token={runner.data.token}
      prefill={prefillSuggestion(entry, machineId)}
    />
  );
}
