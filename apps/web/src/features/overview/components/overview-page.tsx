import { Link } from '@tanstack/react-router';
import { ErrorState } from '../../../components/ui/error-state';
import { PageHeader } from '../../../components/ui/page-header';
import { StatusBadge } from '../../../components/ui/status-badge';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useGitlabInstances } from '../../gitlab/api/get-gitlab-instances';
import { useRunners } from '../../runners/api/get-runners';
import { FleetHealthSection, useFleetHealth } from './fleet-health';
import { FleetTrendsSection } from './fleet-trends';
import { Stat } from './stat';

/** Counts only need `total`, so the list asks for a single item. */
const COUNT_ONLY = { limit: 1 } as const;

export function OverviewPage() {
  useDocumentTitle('Overview');
  const health = useFleetHealth();
  const runners = useRunners(COUNT_ONLY);
  const gitlab = useGitlabInstances();

  const failed = [runners, gitlab].filter((q) => q.isError);
  const counts = {
    gitlab: gitlab.data?.items.length,
    machines: health.data?.machines.total,
    runners: runners.data?.total,
  };
  const loaded = counts.gitlab !== undefined && counts.machines !== undefined && counts.runners !== undefined;
  const setupIncomplete = loaded && (counts.gitlab === 0 || counts.machines === 0 || counts.runners === 0);

  return (
    <div className="page">
      <PageHeader title="Overview" description="Your runner fleet at a glance." />
      {failed.length > 0 ? (
        <ErrorState
          title="Some numbers could not be loaded"
          error={failed[0]?.error}
          onRetry={() => failed.forEach((q) => void q.refetch())}
          retrying={failed.some((q) => q.isFetching)}
        />
      ) : null}
      {setupIncomplete ? <GettingStarted counts={counts} /> : null}
      <FleetHealthSection health={health} />
      <section className="section" aria-labelledby="overview-fleet">
        <h2 id="overview-fleet">Fleet</h2>
        <ul className="stats">
          <Stat label="Machines" value={counts.machines}>
            <Link to="/machines">All machines</Link>
          </Stat>
          <Stat label="Runners" value={counts.runners}>
            <Link to="/runners">All runners</Link>
          </Stat>
          <Stat label="GitLab instances" value={counts.gitlab}>
            <Link to="/gitlab">Manage GitLab</Link>
          </Stat>
        </ul>
      </section>
      <FleetTrendsSection />
    </div>
  );
}

interface SetupCounts {
  gitlab: number | undefined;
  machines: number | undefined;
  runners: number | undefined;
}

/** The three steps from an empty install to a working fleet, each marked done as soon as it is. */
function GettingStarted({ counts }: { counts: SetupCounts }) {
  const steps = [
    {
      done: (counts.gitlab ?? 0) > 0,
      title: 'Connect a GitLab instance',
      body: (
        <>
          Give Paddock the GitLab URL and an access token with the <code>create_runner</code> and{' '}
          <code>manage_runner</code> scopes on the <Link to="/gitlab">GitLab page</Link>.
        </>
      ),
    },
    {
      done: (counts.machines ?? 0) > 0,
      title: 'Install the Paddock agent on your runner hosts',
      body: (
        <>
          Create an enrollment token with <strong>Add a machine</strong> on the{' '}
          <Link to="/machines">Machines</Link> page, then on each host running gitlab-runner install the agent
          and run <code>paddock-agent enroll --server {window.location.origin} --token &lt;token&gt;</code>.
          The host then shows up in the machine list.
        </>
      ),
    },
    {
      done: (counts.runners ?? 0) > 0,
      title: 'Register or import runners',
      body: (
        <>
          Runners registered from Paddock or imported from GitLab appear under{' '}
          <Link to="/runners">Runners</Link>, with the machines they run on.
        </>
      ),
    },
  ];
  return (
    <section className="card getting-started" aria-labelledby="overview-getting-started">
      <h2 id="overview-getting-started">Getting started</h2>
      <ol className="steps">
        {steps.map((step) => (
          <li key={step.title} className={step.done ? 'step step-done' : 'step'}>
            <div className="step-head">
              <h3>{step.title}</h3>
              {step.done ? (
                <StatusBadge tone="ok">Done</StatusBadge>
              ) : (
                <StatusBadge tone="neutral">To do</StatusBadge>
              )}
            </div>
            <p>{step.body}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
