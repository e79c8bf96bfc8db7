import { getRouteApi, Link } from '@tanstack/react-router';
import type { Runner } from '@paddock/contracts';
import { TableWrap } from '../../../components/ui/table-wrap';
import { Button } from '../../../components/ui/button';
import { ChipList } from '../../../components/ui/chip';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { Pagination } from '../../../components/ui/pagination';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useGitlabInstances } from '../../gitlab/api/get-gitlab-instances';
import { useRunners } from '../api/get-runners';
import type { RunnersSearch } from '../runners-search';
import { RunnerFilters } from './runner-filters';
import { formatTokenLimit, PausedBadge, RUNNER_TYPE_LABELS, RunnerStatusBadge } from './runner-status';

const routeApi = getRouteApi('/runners');

export const RUNNERS_PAGE_SIZE = 50;

export function RunnersPage() {
  useDocumentTitle('Runners');
  const search = routeApi.useSearch();
  const navigate = routeApi.useNavigate();
  const runners = useRunners({
    tag: search.tag,
    status: search.status,
    q: search.q,
    machineId: search.machineId,
    cursor: search.cursor,
    limit: RUNNERS_PAGE_SIZE,
  });

  const filtered = Boolean(search.tag || search.status || search.q || search.machineId);
  const setSearch = (change: Partial<RunnersSearch>) =>
    navigate({ search: (prev) => ({ ...prev, cursor: undefined, ...change }) });

  return (
    <div className="page">
      <PageHeader
        title="Runners"
        description="GitLab runners Paddock manages or has imported, and where they run."
        actions={
          <Link to="/runners/new" className="btn btn-primary">
            Register a runner
          </Link>
        }
      />
      <RunnerFilters search={search} onChange={setSearch} />
      {search.machineId ? (
        <p className="filter-note">
          Showing only runners assigned to one machine.{' '}
          <Button variant="ghost" onClick={() => setSearch({ machineId: undefined })}>
            Show runners on all machines
          </Button>
        </p>
      ) : null}
      {runners.isPending ? (
        <LoadingState label="Loading runners…" />
      ) : runners.isError ? (
        <ErrorState
          title="Could not load runners"
          error={runners.error}
          onRetry={() => void runners.refetch()}
          retrying={runners.isFetching}
        />
      ) : runners.data.items.length === 0 ? (
        filtered || search.cursor ? (
          <EmptyState
            title="No runners match these filters"
            action={
              <Button
                onClick={() =>
                  setSearch({ tag: undefined, status: undefined, q: undefined, machineId: undefined })
                }
              >
                Clear filters
              </Button>
            }
          >
            <p>Try fewer filters, or another search.</p>
          </EmptyState>
        ) : (
          <NoRunnersYet />
        )
      ) : (
        <>
          <RunnerTable runners={runners.data.items} updating={runners.isPlaceholderData} />
          <Pagination
            noun="runners"
            shown={runners.data.items.length}
            total={runners.data.total}
            hasPrevious={Boolean(search.cursor)}
            nextCursor={runners.data.nextCursor}
            onNext={(cursor) => navigate({ search: (prev) => ({ ...prev, cursor }) })}
            onFirst={() => navigate({ search: (prev) => ({ ...prev, cursor: undefined }) })}
          />
        </>
      )}
    </div>
  );
}

/** Runners come from a connected GitLab, so the next step depends on whether one is connected. */
function NoRunnersYet() {
  const instances = useGitlabInstances();
  if (instances.isPending) return <LoadingState label="Checking GitLab connections…" />;
  if (instances.isSuccess && instances.data.items.length === 0) {
    return (
      <EmptyState
        title="Connect a GitLab instance first"
        action={
          <Link to="/gitlab" className="btn btn-primary">
            Connect GitLab
          </Link>
        }
      >
        <p>
          Runners live in GitLab. Connect the GitLab your runners belong to, then register or import runners.
        </p>
      </EmptyState>
    );
  }
  return (
    <EmptyState
      title="No runners yet"
      action={
        <Link to="/runners/new" className="btn btn-primary">
          Register your first runner
        </Link>
      }
    >
      <p>
        Runners appear here once they are registered from Paddock or imported from a connected GitLab
        instance.
      </p>
    </EmptyState>
  );
}

function RunnerTable({ runners, updating }: { runners: Runner[]; updating: boolean }) {
  return (
    <TableWrap label="Runners" updating={updating}>
      <table className="table">
        <caption className="visually-hidden">Runners</caption>
        <thead>
          <tr>
            <th scope="col">Description</th>
            <th scope="col" className="num">
              GitLab ID
            </th>
            <th scope="col">Type</th>
            <th scope="col">Tags</th>
            <th scope="col">Status</th>
            <th scope="col">Paused</th>
            <th scope="col">Job limit</th>
            <th scope="col" className="num">
              Machines
            </th>
            <th scope="col" className="num">
              Managers
            </th>
          </tr>
        </thead>
        <tbody>
          {runners.map((runner) => (
            <tr key={runner.id}>
              <th scope="row">
                <Link to="/runners/$id" params={{ id: runner.id }} className="row-link">
                  {runner.description || <span className="muted">(no description)</span>}
                </Link>
              </th>
              <td className="num">#{runner.gitlabRunnerId}</td>
              <td>{RUNNER_TYPE_LABELS[runner.runnerType]}</td>
              <td>
                <ChipList items={runner.tags} empty={runner.runUntagged ? 'untagged jobs' : 'none'} />
              </td>
              <td>
                <RunnerStatusBadge status={runner.gitlabStatus} />
              </td>
              <td>
                <PausedBadge paused={runner.paused} />
              </td>
              <td>{formatTokenLimit(runner.token)}</td>
              <td className="num">{runner.machineCount}</td>
              <td className="num">{runner.managerCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
