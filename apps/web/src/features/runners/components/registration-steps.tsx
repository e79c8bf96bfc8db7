import { REGISTRATION_STEPS } from '@paddock/contracts';
import { StatusBadge } from '../../../components/ui/status-badge';
import type { StatusIcon, StatusTone } from '../../../components/ui/status-badge';
import type { RegistrationStep, ReportedSteps } from '../api/use-registration';

export const STEP_LABELS: Record<RegistrationStep, string> = {
  validate: 'Check the request and the machines',
  gitlab: 'Create the runner in GitLab',
  store: 'Store the runner and its token',
  rollout: "Send config.toml to the runner's machines",
};

export type StepView = 'waiting' | 'started' | 'done' | 'failed' | 'not_reached';

const LOOK: Record<StepView, { tone: StatusTone; icon?: StatusIcon; label: string }> = {
  waiting: { tone: 'neutral', label: 'Waiting' },
  started: { tone: 'info', label: 'In progress' },
  done: { tone: 'ok', label: 'Done' },
  failed: { tone: 'danger', label: 'Failed' },
  not_reached: { tone: 'neutral', icon: 'pause', label: 'Not reached' },
};

export type RegistrationOutcome = 'running' | 'succeeded' | 'failed';

/**
 * Each step as the page should show it. The answer settles what events left open: a success proves every step
 * done; a failure with no failed step reported (the API refused the request before starting, or live updates
 * were down) fails the first unfinished step and leaves the rest not reached.
 */
export function stepViews(
  steps: ReportedSteps,
  outcome: RegistrationOutcome,
): Array<{ step: RegistrationStep; view: StepView; detail?: string }> {
  const reportedFailure = REGISTRATION_STEPS.some((s) => steps[s]?.state === 'failed');
  let failureSeen = false;
  return REGISTRATION_STEPS.map((step) => {
    const reported = steps[step];
    if (failureSeen) return { step, view: 'not_reached' };
    if (reported?.state === 'failed') {
      failureSeen = true;
      return { step, view: 'failed', detail: reported.detail };
    }
    if (outcome === 'succeeded' || reported?.state === 'done') return { step, view: 'done' };
    if (outcome === 'failed' && !reportedFailure) {
      failureSeen = true;
      return { step, view: 'failed' };
    }
    return { step, view: reported?.state === 'started' ? 'started' : 'waiting' };
  });
}

/** The registration's steps, live: what is done, what runs now, where it stopped and why. */
export function RegistrationSteps({
  steps,
  outcome,
}: {
  steps: ReportedSteps;
  outcome: RegistrationOutcome;
}) {
  const views = stepViews(steps, outcome);
  const current = views.find((v) => v.view === 'started' || v.view === 'failed');
  return (
    <>
      <ol className="steps-live">
        {views.map(({ step, view, detail }) => (
          <li key={step} className={`step-live step-live-${view}`}>
            <span className="step-live-label">{STEP_LABELS[step]}</span>
            <StatusBadge tone={LOOK[view].tone} icon={LOOK[view].icon}>
              {LOOK[view].label}
            </StatusBadge>
            {detail ? <p className="step-live-detail">{detail}</p> : null}
          </li>
        ))}
      </ol>
      {/* One short sentence for screen readers as the steps move; the list itself is not re-read. */}
      <p className="visually-hidden" role="status">
        {outcome === 'running' && current ? `${STEP_LABELS[current.step]}: ${LOOK[current.view].label}` : ''}
      </p>
    </>
  );
}
