import { useId } from 'react';
import { Link } from '@tanstack/react-router';
import type { Rollout, RolloutStatus } from '@paddock/contracts';
import { RelativeTime } from '../../../components/ui/relative-time';
import { TableWrap } from '../../../components/ui/table-wrap';
import { describeError } from '../../../lib/api-client';
import { formatCount } from '../../../lib/format';
import { RevisionStatusBadge } from '../../machines/components/machine-status';
import { isRolloutSettled, ROLLOUT_POLL_LIMIT_MS, useRolloutStatus } from '../api/get-rollout';
import { ShortfallNotice } from './shortfall-notice';

type MachineProgress = RolloutStatus['machines'][number];

/** `untracked`: the API gave no rollout id to follow. */
export type RolloutPhase = 'in_progress' | 'done' | 'timed_out' | 'untracked';

/** Done when no machine is pending; timed out when the last answer came two minutes or more after the start. */
export function rolloutPhase(
  status: RolloutStatus | undefined,
  startedAt: number,
  answeredAt: number,
): RolloutPhase {
  if (isRolloutSettled(status)) return 'done';
  return answeredAt - startedAt >= ROLLOUT_POLL_LIMIT_MS ? 'timed_out' : 'in_progress';
}

/** One sentence for the whole rollout, announced as it changes. */
export function rolloutSummary(machines: MachineProgress[], phase: RolloutPhase): string {
  const count = (status: MachineProgress['status']) => machines.filter((m) => m.status === status).length;
  const applied = count('applied');
  const failed = count('failed');
  const pending = count('pending');
  const superseded = count('superseded');
  const total = formatCount(machines.length, 'machine', 'machines');
  if (phase === 'untracked') {
    return `Sent a new revision to ${total}; each machine's page shows when it is applied.`;
  }
  if (phase === 'timed_out') {
    return (
      `Still in progress after 2 minutes: ${formatCount(pending, 'machine has', 'machines have')} not applied ` +
      "the change yet. An offline machine applies it when its agent reconnects; check each machine's page."
    );
  }
  if (phase === 'in_progress') {
    return `Applying to ${total}: ${applied} applied, ${failed} failed, ${pending} pending…`;
  }
  const parts = [`${applied} of ${total} applied`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (superseded > 0) parts.push(`${superseded} replaced by a newer revision`);
  return failed > 0 ? `Finished with errors: ${parts.join(', ')}.` : `Done: ${parts.join(', ')}.`;
}

/**
 * A rollout, live, machine by machine: pending until each agent reports applied or failed. Until the first status
 * arrives, the rollout's own list (with hostnames the caller knows) stands in, all pending.
 */
export function RolloutProgress({
  rollout,
  startedAt,
  hostnames,
  currentRunnerId,
}: {
  rollout: Rollout;
  startedAt: number;
  hostnames: Record<string, string>;
  currentRunnerId?: string;
}) {
  const headingId = useId();
  const status = useRolloutStatus(rollout.revisions.length > 0 ? rollout.rolloutId : null, startedAt);

  if (rollout.revisions.length === 0) {
    return (
      <section className="rollout" aria-labelledby={headingId}>
        <h3 id={headingId}>Rollout</h3>
        <p role="status">
          <strong>Nothing changed:</strong> every machine&apos;s config.toml already has these settings, so no
          new revision was sent.
        </p>
        <ShortfallNotice shortfalls={rollout.shortfalls} currentRunnerId={currentRunnerId} />
      </section>
    );
  }

  const machines: MachineProgress[] =
    status.data?.machines ??
    rollout.revisions.map((r) => ({
      machineId: r.machineId,
      hostname: hostnames[r.machineId] ?? r.machineId,
      revision: r.revision,
      status: 'pending',
      error: null,
      appliedAt: null,
    }));
  const phase: RolloutPhase =
    rollout.rolloutId === null
      ? 'untracked'
      : rolloutPhase(status.data, startedAt, Math.max(status.dataUpdatedAt, status.errorUpdatedAt));

  return (
    <section className="rollout" aria-labelledby={headingId} aria-busy={phase === 'in_progress'}>
      <h3 id={headingId}>Rollout</h3>
      <p role="status" className={`rollout-summary rollout-${phase}`}>
        {phase === 'in_progress' ? <span className="spinner spinner-small" aria-hidden="true" /> : null}
        {rolloutSummary(machines, phase)}
      </p>
      <ShortfallNotice shortfalls={rollout.shortfalls} currentRunnerId={currentRunnerId} />
      {status.isError ? (
        <p className="form-error" role="alert">
          Could not check the rollout: {describeError(status.error)}
          {phase === 'in_progress' ? ' Trying again…' : ''}
        </p>
      ) : null}
      <TableWrap label="Rollout by machine">
        <table className="table">
          <caption className="visually-hidden">Rollout progress by machine</caption>
          <thead>
            <tr>
              <th scope="col">Machine</th>
              <th scope="col" className="num">
                Revision
              </th>
              <th scope="col">Status</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {machines.map((m) => (
              <tr key={m.machineId}>
                <th scope="row">
                  <Link to="/machines/$id" params={{ id: m.machineId }}>
                    {m.hostname}
                  </Link>
                </th>
                <td className="num">#{m.revision}</td>
                <td>
                  <RevisionStatusBadge status={m.status} />
                </td>
                <td className="wrap wrap-wide">
                  {m.status === 'failed' ? (
                    <span className="revision-error">{m.error ?? 'The agent gave no reason.'}</span>
                  ) : m.status === 'applied' ? (
                    <>
                      Applied <RelativeTime value={m.appliedAt} fallback="" />
                    </>
                  ) : m.status === 'superseded' ? (
                    <span className="muted">A newer revision replaced it.</span>
                  ) : (
                    <span className="muted">Waiting for the agent…</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}
