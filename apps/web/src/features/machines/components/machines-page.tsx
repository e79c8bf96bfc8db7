import { useState } from 'react';
import { getRouteApi, Link } from '@tanstack/react-router';
import type { Machine } from '@paddock/contracts';
import { TableWrap } from '../../../components/ui/table-wrap';
import { Button } from '../../../components/ui/button';
import { ChipList } from '../../../components/ui/chip';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { Pagination } from '../../../components/ui/pagination';
import { RelativeTime } from '../../../components/ui/relative-time';
import { useLiveTopic } from '../../../lib/live/live-context';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { AddMachinePanel } from '../../enrollment/components/add-machine-panel';
import { useMachines } from '../api/get-machines';
import type { MachinesSearch } from '../machines-search';
import { HostUsage } from './host-pressure';
import { DEFAULT_SORT, MachineFilters } from './machine-filters';
import { labelStrings, MachineStatusBadges } from './machine-status';

const routeApi = getRouteApi('/machines');

export const MACHINES_PAGE_SIZE = 50;

const ADD_MACHINE_ID = 'add-machine';

export function MachinesPage() {
  useDocumentTitle('Machines');
  // Rows change in place as machines connect, apply revisions or drift.
  useLiveTopic('machines');
  const search = routeApi.useSearch();
  const navigate = routeApi.useNavigate();
  const machines = useMachines({
    status: search.status,
    label: search.label,
    q: search.q,
    sort: search.sort ?? DEFAULT_SORT,
    cursor: search.cursor,
    limit: MACHINES_PAGE_SIZE,
  });

  const [adding, setAdding] = useState(false);
  const filtered = Boolean(search.status || search.label || search.q);
  const setSearch = (change: Partial<MachinesSearch>) =>
    navigate({ search: (prev) => ({ ...prev, cursor: undefined, ...change }) });

  return (
    <div className="page">
      <PageHeader
        title="Machines"
        description="Hosts running the Paddock agent beside gitlab-runner."
        actions={
          <Button
            variant="primary"
            aria-expanded={adding}
            aria-controls={adding ? ADD_MACHINE_ID : undefined}
            onClick={() => setAdding(!adding)}
          >
            Add a machine
          </Button>
        }
      />
      {adding ? <AddMachinePanel id={ADD_MACHINE_ID} onClose={() => setAdding(false)} /> : null}
      <MachineFilters search={search} onChange={setSearch} />
      {machines.isPending ? (
        <LoadingState label="Loading machines…" />
      ) : machines.isError ? (
        <ErrorState
          title="Could not load machines"
          error={machines.error}
          onRetry={() => void machines.refetch()}
          retrying={machines.isFetching}
        />
      ) : machines.data.items.length === 0 ? (
        filtered || search.cursor ? (
          <EmptyState
            title="No machines match these filters"
            action={
              <Button
                onClick={() =>
                  setSearch({ status: undefined, label: undefined, q: undefined, cursor: undefined })
                }
              >
                Clear filters
              </Button>
            }
          >
            <p>Try fewer filters, or another search.</p>
          </EmptyState>
        ) : (
          <NoMachinesYet adding={adding} onAdd={() => setAdding(true)} />
        )
      ) : (
        <>
          <MachineTable machines={machines.data.items} updating={machines.isPlaceholderData} />
          <Pagination
            noun="machines"
            shown={machines.data.items.length}
            total={machines.data.total}
            hasPrevious={Boolean(search.cursor)}
            nextCursor={machines.data.nextCursor}
            onNext={(cursor) => navigate({ search: (prev) => ({ ...prev, cursor }) })}
            onFirst={() => navigate({ search: (prev) => ({ ...prev, cursor: undefined }) })}
          />
        </>
      )}
    </div>
  );
}

/** The first thing a new user sees: where machines come from, and the way to add one. */
export function NoMachinesYet({ adding, onAdd }: { adding: boolean; onAdd: () => void }) {
  return (
    <EmptyState
      title="No machines yet"
      action={
        adding ? null : (
          <Button variant="primary" onClick={onAdd}>
            Add your first machine
          </Button>
        )
      }
    >
      <p>Machines appear here when the Paddock agent is installed and enrolled on a runner host.</p>
      <p>
        Use <strong>Add a machine</strong> to create an enrollment token, then run this on each host that runs
        gitlab-runner:
      </p>
      <pre className="code-block">
        <code>paddock-agent enroll --server {window.location.origin} --token &lt;enrollment token&gt;</code>
      </pre>
    </EmptyState>
  );
}

function MachineTable({ machines, updating }: { machines: Machine[]; updating: boolean }) {
  return (
    <TableWrap label="Machines" updating={updating}>
      <table className="table">
        <caption className="visually-hidden">Machines</caption>
        <thead>
          <tr>
            <th scope="col">Hostname</th>
            <th scope="col">System ID</th>
            <th scope="col">Status</th>
            <th scope="col">Labels</th>
            <th scope="col">Host</th>
            <th scope="col" className="num">
              Runners
            </th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {machines.map((machine) => (
            <tr key={machine.id}>
              <th scope="row">
                <Link to="/machines/$id" params={{ id: machine.id }} className="row-link">
                  {machine.hostname}
                </Link>
              </th>
              <td>
                {machine.systemId ? <code>{machine.systemId}</code> : <span className="muted">unknown</span>}
              </td>
              <td>
                <MachineStatusBadges machine={machine} />
              </td>
              <td>
                <ChipList items={labelStrings(machine.labels)} />
              </td>
              <td>
                <HostUsage machine={machine} />
              </td>
              <td className="num">{machine.runnerCount}</td>
              <td>
                <RelativeTime value={machine.lastSeenAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
