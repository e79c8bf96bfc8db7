import { Link } from '@tanstack/react-router';
import type { RunnerDetail } from '@paddock/contracts';
import { RelativeTime } from '../../../components/ui/relative-time';
import { TableWrap } from '../../../components/ui/table-wrap';
import { RunnerStatusBadge } from './runner-status';

/**
 * GitLab's runner managers: one per host that has contacted GitLab with this runner's token, linked to the
 * Paddock machine with the same system_id. Assigned machines with no manager yet are listed too, since that is
 * what a new or broken rollout looks like.
 */
export function RunnerManagers({ runner }: { runner: RunnerDetail }) {
  const { managers, machinesWithoutManager } = runner;
  return (
    <section className="card" aria-labelledby="runner-managers">
      <h2 id="runner-managers">Managers</h2>
      {managers.length === 0 ? (
        <p className="muted">
          GitLab lists no host running this runner yet. A manager appears once gitlab-runner on a machine has
          asked GitLab for jobs with this runner&apos;s token.
        </p>
      ) : (
        <TableWrap label="Runner managers">
          <table className="table">
            <caption className="visually-hidden">Hosts GitLab has seen running this runner</caption>
            <thead>
              <tr>
                <th scope="col">System ID</th>
                <th scope="col">Machine</th>
                <th scope="col">Status</th>
                <th scope="col">Version</th>
                <th scope="col">Platform</th>
                <th scope="col">IP address</th>
                <th scope="col">Last contact</th>
              </tr>
            </thead>
            <tbody>
              {managers.map((m) => (
                <tr key={m.systemId}>
                  <th scope="row">
                    <code>{m.systemId}</code>
                  </th>
                  <td>
                    {m.machine ? (
                      <Link to="/machines/$id" params={{ id: m.machine.id }}>
                        {m.machine.hostname}
                      </Link>
                    ) : (
                      <span className="muted">not a Paddock machine</span>
                    )}
                  </td>
                  <td>
                    <RunnerStatusBadge status={m.status} />
                  </td>
                  <td>{m.version ?? '—'}</td>
                  <td>{[m.platform, m.architecture].filter(Boolean).join(' / ') || '—'}</td>
                  <td>{m.ipAddress ?? '—'}</td>
                  <td>
                    <RelativeTime value={m.contactedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {machinesWithoutManager.length > 0 ? (
        <p className="small">
          <span aria-hidden="true">⚠ </span>
          Assigned, but GitLab has not heard from them with this runner yet:{' '}
          {machinesWithoutManager.map((m, i) => (
            <span key={m.machineId}>
              {i > 0 ? ', ' : null}
              <Link to="/machines/$id" params={{ id: m.machineId }}>
                {m.hostname}
              </Link>
            </span>
          ))}
          .
        </p>
      ) : null}
    </section>
  );
}
